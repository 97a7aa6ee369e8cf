using System.IO.Compression;
using System.Net;
using Coffer.Server.Api;
using Coffer.Server.Shares;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Shares;

/// <summary>A shared folder: browsing, files by path, the zip, and no way out of the shared folder.</summary>
public sealed class ShareFolderTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    /// <summary>
    /// /outside.txt (not shared), /Shared/{a.txt, photo.png, Sub/{deep.txt}, Empty/}, and a sibling
    /// /SharedSecrets/key.txt whose name starts like the shared folder's.
    /// </summary>
    private async Task<(TestUser Owner, ItemDto Folder, CreatedShareDto Share)> SharedFolderAsync(object? options = null)
    {
        var owner = await _app.NewUserAsync();
        await owner.UploadAsync("outside.txt", "not shared");
        var folder = await owner.CreateFolderAsync("Shared");
        await owner.UploadAsync("a.txt", "alpha", folder.Id);
        await owner.UploadAsync("photo.png", new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 }, folder.Id);
        var sub = await owner.CreateFolderAsync("Sub", folder.Id);
        await owner.UploadAsync("deep.txt", "deep down", sub.Id);
        await owner.CreateFolderAsync("Empty", folder.Id);
        var secrets = await owner.CreateFolderAsync("SharedSecrets");
        await owner.UploadAsync("key.txt", "the key", secrets.Id);
        return (owner, folder, await owner.ShareAsync(folder.Id, options));
    }

    [Fact]
    public async Task Page_ListsTheFolderAndItsSubfolders()
    {
        var (_, _, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();

        var top = await visitor.PageAsync($"/s/{share.Token}");
        var sub = await visitor.PageAsync($"/s/{share.Token}?path=%2FSub");

        Assert.Contains("a.txt", top, StringComparison.Ordinal);
        Assert.Contains("photo.png", top, StringComparison.Ordinal);
        Assert.Contains(">Sub<", top, StringComparison.Ordinal);
        Assert.Contains($"/s/{share.Token}/zip", top, StringComparison.Ordinal);
        Assert.DoesNotContain("outside.txt", top, StringComparison.Ordinal);
        Assert.Contains("deep.txt", sub, StringComparison.Ordinal);
        Assert.DoesNotContain("a.txt", sub, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_AFileInTheFolder_ShowsItsPreviewAndDownload()
    {
        var (_, _, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();

        var html = await visitor.PageAsync($"/s/{share.Token}?path=%2Fphoto.png");

        Assert.Contains("<img", html, StringComparison.Ordinal);
        Assert.Contains($"/s/{share.Token}/content?path=%2Fphoto.png&amp;inline=true", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_ByPath_ReturnsTheFile()
    {
        var (_, _, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();

        var top = await visitor.Client.GetAsync($"/s/{share.Token}/content?path=/a.txt");
        var deep = await visitor.Client.GetAsync($"/s/{share.Token}/content?path=%2FSub%2Fdeep.txt");

        Assert.Equal("alpha", await top.Content.ReadAsStringAsync());
        Assert.Equal("deep down", await deep.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Content_AFolderOrNoPath_IsNotAFile()
    {
        var (_, _, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();

        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content"), HttpStatusCode.BadRequest, "path");
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content?path=/Sub"), HttpStatusCode.BadRequest, "path");
    }

    [Theory]
    [InlineData("/../outside.txt")]
    [InlineData("/Sub/../../outside.txt")]
    [InlineData("/./a.txt")]
    [InlineData("//a.txt")]
    [InlineData("/Sub/")]
    [InlineData("a.txt")]
    [InlineData("/Sub\\deep.txt")]
    [InlineData("/..%2Foutside.txt")]
    [InlineData("%2F..%2Foutside.txt")]
    [InlineData("/%2e%2e/outside.txt")]
    [InlineData("/%252e%252e/outside.txt")]
    [InlineData("/%2e%2e%2foutside.txt")]
    [InlineData("/../SharedSecrets/key.txt")]
    [InlineData("/SharedSecrets/key.txt")]
    [InlineData("/outside.txt")]
    [InlineData("/a.txt/x")]
    public async Task Paths_ThatLeaveTheFolderOrAreMalformed_RevealNothing(string path)
    {
        var (_, _, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();
        var query = path.Contains('%', StringComparison.Ordinal) ? path : Uri.EscapeDataString(path);

        var content = await visitor.Client.GetAsync($"/s/{share.Token}/content?path={query}");
        var page = await visitor.Client.GetAsync($"/s/{share.Token}?path={query}");
        var zip = await visitor.Client.GetAsync($"/s/{share.Token}/zip?path={query}");

        foreach (var response in new[] { content, page, zip })
        {
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest,
                $"{path} answered {(int)response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("not shared", body, StringComparison.Ordinal);
            Assert.DoesNotContain("the key", body, StringComparison.Ordinal);
            Assert.DoesNotContain("outside.txt", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Zip_HoldsExactlyTheFolder()
    {
        var (owner, folder, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();

        var response = await visitor.Client.GetAsync($"/s/{share.Token}/zip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Shared.zip", response.Content.Headers.ContentDisposition?.FileNameStar);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var entries = zip.Entries.ToDictionary(e => e.FullName, e => ReadAll(e));
        Assert.Equal(["Empty/", "Sub/deep.txt", "a.txt", "photo.png"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("alpha", entries["a.txt"]);
        Assert.Equal("deep down", entries["Sub/deep.txt"]);
        Assert.Equal(1, (await _app.ShareRowAsync(share.Id)).Downloads);
        Assert.Equal(folder.Id, Assert.Single(await _app.EventsAsync(owner.Id, "share.accessed")).GetProperty("itemId").GetGuid().ToString());
    }

    [Fact]
    public async Task Zip_OfASubfolder()
    {
        var (_, _, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();

        var response = await visitor.Client.GetAsync($"/s/{share.Token}/zip?path=%2FSub");

        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal("deep.txt", Assert.Single(zip.Entries).FullName);
        Assert.Equal("Sub.zip", response.Content.Headers.ContentDisposition?.FileNameStar);
    }

    [Fact]
    public async Task Zip_CountsAgainstTheDownloadLimit()
    {
        var (_, _, share) = await SharedFolderAsync(new { maxDownloads = 1 });
        using var visitor = _app.Visitor();

        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/s/{share.Token}/zip")).StatusCode);
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/zip"), HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Zip_OfAFileShare_IsNotFound()
    {
        var owner = await _app.NewUserAsync();
        var share = await owner.ShareAsync((await owner.UploadAsync("one.txt", "1")).Id);
        using var visitor = _app.Visitor();

        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/zip"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content?path=/one.txt"), HttpStatusCode.NotFound);
    }

    private static string ReadAll(ZipArchiveEntry entry)
    {
        if (entry.FullName.EndsWith('/'))
            return "";
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task Page_CursorWhoseNameHoldsANul_IsRefusedNotAnError()
    {
        // Reachable without signing in; PostgreSQL refuses a NUL in a parameter, so it must never get that far.
        var (_, _, share) = await SharedFolderAsync();
        using var visitor = _app.Visitor();
        var cursor = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes("name.asc:1::a\0b"));

        var response = await visitor.Client.GetAsync($"/s/{share.Token}?cursor={cursor}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // the page's answer to any bad address in the share
    }
}
