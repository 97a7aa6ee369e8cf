using Coffer.Core.Drive;
using Coffer.Core.Tests.Infrastructure;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Drive;

/// <summary>Another user's item ids and paths answer exactly as missing ones do, and nothing of theirs changes.</summary>
public sealed class OwnershipTests
{
    [Theory]
    [InlineData("get file")]
    [InlineData("get folder")]
    [InlineData("get A's root by its id")]
    [InlineData("get by A's path")]
    [InlineData("get by A's folder path")]
    [InlineData("list A's folder")]
    [InlineData("list A's root")]
    [InlineData("open")]
    [InlineData("open version")]
    [InlineData("rename")]
    [InlineData("move A's file to B's root")]
    [InlineData("move B's file into A's folder")]
    [InlineData("delete file")]
    [InlineData("delete folder")]
    [InlineData("upload into A's folder")]
    [InlineData("create folder in A's folder")]
    [InlineData("create download link")]
    public async Task Operation_OnAnotherUsersItem_ThrowsNotFoundAndChangesNothing(string operation)
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var bob = await h.RegisterAsync();
        var docs = await h.CreateFolderAsync(alice.Id, "Docs");
        var file = await h.UploadAsync(alice.Id, "a.txt", "alice's"u8.ToArray(), docs.Id.ToString());
        var bobsFile = await h.UploadAsync(bob.Id, "b.txt", "bob's"u8.ToArray());
        var blobFiles = h.BlobFiles();
        var (fileId, docsId) = (file.Item.Id.ToString(), docs.Id.ToString());

        await using (var s = h.Scope())
        {
            Task attempt = operation switch
            {
                "get file" => s.Lookup.GetAsync(bob.Id, fileId, Ct),
                "get folder" => s.Lookup.GetAsync(bob.Id, docsId, Ct),
                "get A's root by its id" => s.Lookup.GetAsync(bob.Id, alice.Id.ToString(), Ct),
                "get by A's path" => s.Lookup.GetByPathAsync(bob.Id, "/Docs/a.txt", Ct),
                "get by A's folder path" => s.Lookup.GetByPathAsync(bob.Id, "/Docs", Ct),
                "list A's folder" => s.Lookup.ListChildrenAsync(bob.Id, docsId, null, null, Ct),
                "list A's root" => s.Lookup.ListChildrenAsync(bob.Id, alice.Id.ToString(), null, null, Ct),
                "open" => s.Drive.OpenAsync(bob.Id, fileId, Ct),
                "open version" => s.Drive.OpenVersionAsync(bob.Id, file.Item.Id, file.Item.CurrentVersionId!.Value, Ct),
                "rename" => s.Drive.UpdateAsync(bob.Id, fileId, "mine.txt", null, Ct),
                "move A's file to B's root" => s.Drive.UpdateAsync(bob.Id, fileId, null, ItemLookup.RootId, Ct),
                "move B's file into A's folder" => s.Drive.UpdateAsync(bob.Id, bobsFile.Item.Id.ToString(), null, docsId, Ct),
                "delete file" => s.Drive.DeleteAsync(bob.Id, fileId, Ct),
                "delete folder" => s.Drive.DeleteAsync(bob.Id, docsId, Ct),
                "upload into A's folder" => s.Drive.UploadAsync(bob.Id, docsId, "x.txt", new MemoryStream("x"u8.ToArray()), 1,
                    ConflictMode.Fail, Ct),
                "create folder in A's folder" => s.Drive.CreateFolderAsync(bob.Id, docsId, "x", Ct),
                "create download link" => s.Links.CreateAsync(bob.Id, fileId, null, Ct),
                _ => throw new ArgumentOutOfRangeException(nameof(operation)),
            };
            await Assert.ThrowsAsync<NotFoundException>(() => attempt);
        }

        var after = await h.GetAsync(alice.Id, fileId);
        Assert.Equal(("a.txt", docs.Id), (after.Name, after.ParentId));
        Assert.Equal("alice's"u8.ToArray(), await h.DownloadAsync(alice.Id, fileId));
        Assert.Equal(docs.Id, (await h.GetAsync(alice.Id, docsId)).Id);
        Assert.Equal(bob.Id, (await h.GetAsync(bob.Id, bobsFile.Item.Id.ToString())).ParentId);
        Assert.Equal(blobFiles.Order(), h.BlobFiles().Order());
    }

    [Fact]
    public async Task GetAsync_MissingAndForeignIds_FailTheSameWay()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var bob = await h.RegisterAsync();
        var file = await h.UploadAsync(alice.Id, "a.txt", "x"u8.ToArray());

        var foreign = await Assert.ThrowsAsync<NotFoundException>(() => h.GetAsync(bob.Id, file.Item.Id.ToString()));
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => h.GetAsync(bob.Id, Guid.CreateVersion7().ToString()));
        var garbage = await Assert.ThrowsAsync<NotFoundException>(() => h.GetAsync(bob.Id, "not-an-id"));

        Assert.Equal(missing.Message, foreign.Message);
        Assert.Equal(missing.Message, garbage.Message);
    }

    [Fact]
    public async Task GetByPathAsync_SamePathInEachDrive_ResolvesToOwnItem()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var bob = await h.RegisterAsync();
        var alices = await h.UploadAsync(alice.Id, "same.txt", "a"u8.ToArray());
        var bobs = await h.UploadAsync(bob.Id, "same.txt", "b"u8.ToArray());

        await using var s = h.Scope();
        Assert.Equal(alices.Item.Id, (await s.Lookup.GetByPathAsync(alice.Id, "/same.txt", Ct)).Id);
        Assert.Equal(bobs.Item.Id, (await s.Lookup.GetByPathAsync(bob.Id, "/same.txt", Ct)).Id);
    }
}
