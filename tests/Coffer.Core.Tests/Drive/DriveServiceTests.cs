using Coffer.Core.Drive;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Drive;

/// <summary>Folders, rename and move, delete, and listing, against a real database and blob store.</summary>
public sealed class DriveServiceTests
{
    [Fact]
    public async Task CreateFolderAsync_TakenName_ThrowsConflict()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.CreateFolderAsync(user.Id, "Photos");

        var ex = await Assert.ThrowsAsync<ConflictException>(() => h.CreateFolderAsync(user.Id, "Photos"));

        Assert.Equal("name", ex.Field);
    }

    [Fact]
    public async Task CreateFolderAsync_NameOfAFile_ThrowsConflict()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, "notes", "x"u8.ToArray());

        await Assert.ThrowsAsync<ConflictException>(() => h.CreateFolderAsync(user.Id, "notes"));
    }

    [Fact]
    public async Task CreateFolderAsync_Nested_HasPathFromRoot()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var photos = await h.CreateFolderAsync(user.Id, "Photos");

        var year = await h.CreateFolderAsync(user.Id, "2024", photos.Id.ToString());

        await using var s = h.Scope();
        Assert.Equal("/Photos/2024", await s.Lookup.PathOfAsync(year, Ct));
        Assert.Equal(year.Id, (await s.Lookup.GetByPathAsync(user.Id, "//Photos//2024/", Ct)).Id);
        Assert.Equal(user.Id, (await s.Lookup.GetByPathAsync(user.Id, "/", Ct)).Id);
    }

    [Fact]
    public async Task UpdateAsync_CrossingMovesAtOnce_NeverMakeALoop()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var x = await h.CreateFolderAsync(user.Id, "x");
        var y = await h.CreateFolderAsync(user.Id, "y");
        var deep = y;
        for (var i = 0; i < 40; i++)
            deep = await h.CreateFolderAsync(user.Id, $"level{i}", deep.Id.ToString());

        async Task<Exception?> MoveAsync(Item item, Item into)
        {
            await using var s = h.Scope();
            try
            {
                await s.Drive.UpdateAsync(user.Id, item.Id.ToString(), null, into.Id.ToString(), Ct);
                return null;
            }
            catch (InvalidInputException ex)
            {
                return ex;
            }
        }

        var outcomes = await Task.WhenAll(MoveAsync(x, deep), MoveAsync(y, x));

        Assert.Single(outcomes, o => o is null);
        await using var check = h.Scope();
        foreach (var folder in new[] { x, y, deep })
        {
            var item = await check.Lookup.GetAsync(user.Id, folder.Id, Ct);
            Assert.StartsWith("/", await check.Lookup.PathOfAsync(item, Ct), StringComparison.Ordinal); // ends: reaches the root
        }
    }

    [Fact]
    public async Task UpdateAsync_RenameToTakenName_ThrowsConflictAndKeepsName()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, "a.txt", "a"u8.ToArray());
        var b = await h.UploadAsync(user.Id, "b.txt", "b"u8.ToArray());

        await using (var s = h.Scope())
        {
            var ex = await Assert.ThrowsAsync<ConflictException>(() => s.Drive.UpdateAsync(user.Id, b.Item.Id.ToString(), "a.txt", null, Ct));
            Assert.Equal("name", ex.Field);
        }

        Assert.Equal("b.txt", (await h.GetAsync(user.Id, b.Item.Id.ToString())).Name);
    }

    [Fact]
    public async Task UpdateAsync_RenameToAFoldersName_ThrowsConflict()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.CreateFolderAsync(user.Id, "Docs");
        var file = await h.UploadAsync(user.Id, "b.txt", "b"u8.ToArray());

        await using var s = h.Scope();
        await Assert.ThrowsAsync<ConflictException>(() => s.Drive.UpdateAsync(user.Id, file.Item.Id.ToString(), "Docs", null, Ct));
    }

    [Fact]
    public async Task UpdateAsync_MoveWhereNameIsTaken_ThrowsConflictAndStays()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var docs = await h.CreateFolderAsync(user.Id, "Docs");
        await h.UploadAsync(user.Id, "a.txt", "inside"u8.ToArray(), docs.Id.ToString());
        var outside = await h.UploadAsync(user.Id, "a.txt", "outside"u8.ToArray());

        await using (var s = h.Scope())
        {
            await Assert.ThrowsAsync<ConflictException>(() =>
                s.Drive.UpdateAsync(user.Id, outside.Item.Id.ToString(), null, docs.Id.ToString(), Ct));
        }

        Assert.Equal(user.Id, (await h.GetAsync(user.Id, outside.Item.Id.ToString())).ParentId);
    }

    [Fact]
    public async Task UpdateAsync_RenameAndMove_AppliesBothAndKeepsContent()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var docs = await h.CreateFolderAsync(user.Id, "Docs");
        var file = await h.UploadAsync(user.Id, "draft.bin", "content"u8.ToArray());

        await using (var s = h.Scope())
        {
            var updated = await s.Drive.UpdateAsync(user.Id, file.Item.Id.ToString(), "final.txt", docs.Id.ToString(), Ct);
            Assert.Equal("final.txt", updated.Name);
            Assert.Equal(docs.Id, updated.ParentId);
            Assert.Equal("text/plain", updated.ContentType);
        }

        await using (var s = h.Scope())
            Assert.Equal(file.Item.Id, (await s.Lookup.GetByPathAsync(user.Id, "/Docs/final.txt", Ct)).Id);
        Assert.Equal("content"u8.ToArray(), await h.DownloadAsync(user.Id, file.Item.Id.ToString()));
    }

    [Fact]
    public async Task UpdateAsync_RenameChangingOnlyCase_Succeeds()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var file = await h.UploadAsync(user.Id, "readme.txt", "x"u8.ToArray());

        await using var s = h.Scope();
        Assert.Equal("README.txt", (await s.Drive.UpdateAsync(user.Id, file.Item.Id.ToString(), "README.txt", null, Ct)).Name);
    }

    [Fact]
    public async Task UpdateAsync_InvalidName_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var file = await h.UploadAsync(user.Id, "a.txt", "x"u8.ToArray());

        await using var s = h.Scope();
        await Assert.ThrowsAsync<InvalidInputException>(() => s.Drive.UpdateAsync(user.Id, file.Item.Id.ToString(), "../a.txt", null, Ct));
    }

    [Fact]
    public async Task UpdateAsync_MoveFolderIntoItsOwnSubtree_ThrowsInvalidInputAndStays()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var a = await h.CreateFolderAsync(user.Id, "A");
        var b = await h.CreateFolderAsync(user.Id, "B", a.Id.ToString());
        var c = await h.CreateFolderAsync(user.Id, "C", b.Id.ToString());

        foreach (var target in new[] { a, b, c })
        {
            await using var s = h.Scope();
            var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
                s.Drive.UpdateAsync(user.Id, a.Id.ToString(), null, target.Id.ToString(), Ct));
            Assert.Equal("parentId", ex.Field);
        }

        Assert.Equal(user.Id, (await h.GetAsync(user.Id, a.Id.ToString())).ParentId);
        await using (var s = h.Scope())
            Assert.Equal(c.Id, (await s.Lookup.GetByPathAsync(user.Id, "/A/B/C", Ct)).Id);
    }

    [Fact]
    public async Task UpdateAsync_MoveSubfolderUpToRoot_Succeeds()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var a = await h.CreateFolderAsync(user.Id, "A");
        var b = await h.CreateFolderAsync(user.Id, "B", a.Id.ToString());

        await using var s = h.Scope();
        var moved = await s.Drive.UpdateAsync(user.Id, b.Id.ToString(), null, ItemLookup.RootId, Ct);

        Assert.Equal(user.Id, moved.ParentId);
    }

    [Fact]
    public async Task UpdateAsync_MoveIntoAFile_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var a = await h.UploadAsync(user.Id, "a.txt", "a"u8.ToArray());
        var b = await h.UploadAsync(user.Id, "b.txt", "b"u8.ToArray());

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
            s.Drive.UpdateAsync(user.Id, b.Item.Id.ToString(), null, a.Item.Id.ToString(), Ct));
        Assert.Equal("parentId", ex.Field);
    }

    [Fact]
    public async Task UpdateAsync_Root_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        await using var s = h.Scope();
        await Assert.ThrowsAsync<InvalidInputException>(() => s.Drive.UpdateAsync(user.Id, ItemLookup.RootId, "x", null, Ct));
    }

    [Fact]
    public async Task DeleteAsync_Folder_RemovesWholeSubtreeRowsAndBlobFiles()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var a = await h.CreateFolderAsync(user.Id, "A");
        var b = await h.CreateFolderAsync(user.Id, "B", a.Id.ToString());
        var c = await h.CreateFolderAsync(user.Id, "C", b.Id.ToString());
        await h.CreateFolderAsync(user.Id, "Empty", c.Id.ToString());
        var doomed = new List<Guid>
        {
            (await h.UploadAsync(user.Id, "1.txt", "1"u8.ToArray(), a.Id.ToString())).Item.Id,
            (await h.UploadAsync(user.Id, "2.txt", "2"u8.ToArray(), b.Id.ToString())).Item.Id,
            (await h.UploadAsync(user.Id, "3.txt", "3"u8.ToArray(), c.Id.ToString())).Item.Id,
            (await h.UploadAsync(user.Id, "4.txt", "4"u8.ToArray(), c.Id.ToString())).Item.Id,
        };
        var doomedFiles = h.BlobFiles();
        var sibling = await h.CreateFolderAsync(user.Id, "Keep");
        var kept = await h.UploadAsync(user.Id, "kept.txt", "kept"u8.ToArray(), sibling.Id.ToString());
        var keptFile = h.BlobPath(Assert.Single(await h.BlobKeysOfAsync(kept.Item.Id)));
        Assert.Equal(4, doomedFiles.Count);

        await using (var s = h.Scope())
            await s.Drive.DeleteAsync(user.Id, a.Id.ToString(), Ct, permanent: true);

        Assert.All(doomedFiles, f => Assert.False(File.Exists(f)));
        Assert.Equal(keptFile, Assert.Single(h.BlobFiles()));
        await using var db = h.OpenDb();
        var remaining = await db.Items.Where(i => i.OwnerId == user.Id).Select(i => i.Name).ToListAsync(Ct);
        Assert.Equal(["", "Keep", "kept.txt"], remaining.Order(StringComparer.Ordinal));
        Assert.Equal(0, await db.FileVersions.CountAsync(v => doomed.Contains(v.ItemId), Ct));
        Assert.Equal(1, await db.Blobs.CountAsync(Ct));
        Assert.Equal("kept"u8.ToArray(), await h.DownloadAsync(user.Id, kept.Item.Id.ToString()));
        foreach (var id in doomed.Append(a.Id).Append(b.Id).Append(c.Id))
            await Assert.ThrowsAsync<NotFoundException>(() => h.GetAsync(user.Id, id.ToString()));
    }

    [Fact]
    public async Task DeleteAsync_File_RemovesItAndItsBlobFile()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var file = await h.UploadAsync(user.Id, "a.txt", "x"u8.ToArray());

        await using (var s = h.Scope())
            await s.Drive.DeleteAsync(user.Id, file.Item.Id.ToString(), Ct, permanent: true);

        Assert.Empty(h.BlobFiles());
        await Assert.ThrowsAsync<NotFoundException>(() => h.GetAsync(user.Id, file.Item.Id.ToString()));
        // The name is free again.
        await h.UploadAsync(user.Id, "a.txt", "y"u8.ToArray());
    }

    [Fact]
    public async Task DeleteAsync_Root_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        await using var s = h.Scope();
        await Assert.ThrowsAsync<InvalidInputException>(() => s.Drive.DeleteAsync(user.Id, ItemLookup.RootId, Ct));
    }

    [Fact]
    public async Task OpenAsync_Folder_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var folder = await h.CreateFolderAsync(user.Id, "Docs");

        await using var s = h.Scope();
        await Assert.ThrowsAsync<InvalidInputException>(() => s.Drive.OpenAsync(user.Id, folder.Id.ToString(), Ct));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(1000)]
    public async Task ListChildrenAsync_Paged_ReturnsEveryChildOnceFoldersFirstThenByName(int limit)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        string[] folders = ["b", "A", "a", "Zeta", "ä", "x:y", "10", "2"];
        string[] files = ["b.txt", "B.txt", "aa", ".hidden", "z z", "é", "😀.png", "x:y:z", "1", "a (2)", "~"];
        foreach (var name in folders)
            await h.CreateFolderAsync(user.Id, name);
        foreach (var name in files)
            await h.UploadAsync(user.Id, name, "x"u8.ToArray());
        var expected = folders.Order(StringComparer.Ordinal).Concat(files.Order(StringComparer.Ordinal)).ToList();

        var seen = new List<Item>();
        string? cursor = null;
        var pages = 0;
        do
        {
            await using var s = h.Scope();
            var page = await s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, limit, cursor, Ct);
            Assert.InRange(page.Items.Count, 1, limit);
            Assert.Equal("/", page.FolderPath);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            Assert.True(++pages <= expected.Count, "Paging does not end.");
        }
        while (cursor is not null);

        Assert.Equal(expected, seen.Select(i => i.Name));
        Assert.Equal(folders.Length, seen.TakeWhile(i => i.Kind == ItemKind.Folder).Count());
        Assert.Equal(seen.Count, seen.Select(i => i.Id).Distinct().Count());
        Assert.Equal((expected.Count + limit - 1) / limit, pages);
    }

    [Fact]
    public async Task ListChildrenAsync_OnlyDirectChildren_AndFolderPath()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var docs = await h.CreateFolderAsync(user.Id, "Docs");
        var inner = await h.CreateFolderAsync(user.Id, "Inner", docs.Id.ToString());
        await h.UploadAsync(user.Id, "deep.txt", "x"u8.ToArray(), inner.Id.ToString());
        await h.UploadAsync(user.Id, "top.txt", "x"u8.ToArray(), docs.Id.ToString());

        await using var s = h.Scope();
        var page = await s.Lookup.ListChildrenAsync(user.Id, docs.Id.ToString(), null, null, Ct);

        Assert.Equal(["Inner", "top.txt"], page.Items.Select(i => i.Name));
        Assert.Equal("/Docs", page.FolderPath);
        Assert.Null(page.NextCursor);
    }

    [Theory]
    [InlineData("not-base64!")]
    [InlineData("Zm9v")]         // "foo": no kind
    [InlineData("OTo6YQ")]       // "9::a": no such kind
    [InlineData("")]
    public async Task ListChildrenAsync_ForeignCursor_ThrowsInvalidInput(string cursor)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, 10, cursor, Ct));
        Assert.Equal("cursor", ex.Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ItemLookup.MaxPageSize + 1)]
    public async Task ListChildrenAsync_LimitOutOfRange_ThrowsInvalidInput(int limit)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, limit, null, Ct));
        Assert.Equal("limit", ex.Field);
    }
}
