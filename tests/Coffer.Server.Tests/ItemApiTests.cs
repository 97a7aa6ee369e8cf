using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

public sealed class ItemApiTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Root_IsAnEmptyFolderWithIdRoot()
    {
        var user = await _app.NewUserAsync();

        var root = await user.Client.GetFromJsonAsync<ItemDto>("/api/v1/items/root");

        Assert.Equal("root", root!.Id);
        Assert.Equal("folder", root.Kind);
        Assert.Equal("/", root.Path);
        Assert.Null(root.ParentId);
        Assert.Empty((await user.ChildrenAsync()).Items);
    }

    [Fact]
    public async Task Item_Json_HasTheContractFields()
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("Docs");
        var upload = await user.PutAsync("a.txt", "hello"u8.ToArray(), folder.Id);

        var json = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(
            ["id", "name", "kind", "parentId", "path", "size", "contentType", "sha256", "created", "modified", "replicated", "access"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("file", json.GetProperty("kind").GetString());
        Assert.Equal(folder.Id, json.GetProperty("parentId").GetString());
        Assert.Equal("/Docs/a.txt", json.GetProperty("path").GetString());
        Assert.Equal("owner", json.GetProperty("access").GetString());
        Assert.Equal(5, json.GetProperty("size").GetInt64());
        Assert.Equal("text/plain", json.GetProperty("contentType").GetString());
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", json.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task CreateFolder_Nested_HasPathsAndLocation()
    {
        var user = await _app.NewUserAsync();
        var photos = await user.CreateFolderAsync("Photos");
        var response = await user.Client.PostAsJsonAsync($"/api/v1/items/{photos.Id}/folders", new { name = "2024" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var year = (await response.Content.ReadFromJsonAsync<ItemDto>())!;
        Assert.Equal($"/api/v1/items/{year.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal("/Photos/2024", year.Path);
        Assert.Equal(photos.Id, year.ParentId);
        Assert.Equal("root", photos.ParentId);
    }

    [Fact]
    public async Task CreateFolder_TakenName_Is409()
    {
        var user = await _app.NewUserAsync();
        await user.CreateFolderAsync("Docs");
        await user.UploadAsync("notes.txt", "x");

        var sameFolder = await user.Client.PostAsJsonAsync("/api/v1/items/root/folders", new { name = "Docs" });
        var sameAsFile = await user.Client.PostAsJsonAsync("/api/v1/items/root/folders", new { name = "notes.txt" });
        var otherCase = await user.Client.PostAsJsonAsync("/api/v1/items/root/folders", new { name = "docs" });

        await Problem.AssertAsync(sameFolder, HttpStatusCode.Conflict, "name");
        await Problem.AssertAsync(sameAsFile, HttpStatusCode.Conflict, "name");
        Assert.Equal(HttpStatusCode.Created, otherCase.StatusCode); // names are case-sensitive
    }

    [Fact]
    public async Task CreateFolder_NormalizesToNfc_SoBothSpellingsClash()
    {
        var user = await _app.NewUserAsync();
        var composed = await user.CreateFolderAsync("caf\u00e9");

        var decomposed = await user.Client.PostAsJsonAsync("/api/v1/items/root/folders", new { name = "cafe\u0301" });

        Assert.Equal("caf\u00e9", composed.Name);
        await Problem.AssertAsync(decomposed, HttpStatusCode.Conflict, "name");
    }

    [Fact]
    public async Task CreateFolder_InsideAFile_Is400()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "x");

        var response = await user.Client.PostAsJsonAsync($"/api/v1/items/{file.Id}/folders", new { name = "sub" });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Upload_ThenDownload_ReturnsTheSameBytes()
    {
        var user = await _app.NewUserAsync();
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(bytes);

        var item = await user.UploadAsync("data.bin", bytes);
        var downloaded = await user.Client.GetByteArrayAsync($"/api/v1/items/{item.Id}/content");

        Assert.Equal(bytes, downloaded);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), item.Sha256);
        Assert.Equal(bytes.Length, item.Size);
    }

    [Fact]
    public async Task Upload_EmptyFile_Works()
    {
        var user = await _app.NewUserAsync();

        var item = await user.UploadAsync("empty.txt", []);
        var downloaded = await user.Client.GetByteArrayAsync($"/api/v1/items/{item.Id}/content");

        Assert.Equal(0, item.Size);
        Assert.Empty(downloaded);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", item.Sha256);
    }

    [Fact]
    public async Task Upload_ConflictFail_Is409AndKeepsTheOriginal()
    {
        var user = await _app.NewUserAsync();
        var original = await user.UploadAsync("a.txt", "original");

        var implicitFail = await user.PutAsync("a.txt", "new"u8.ToArray());
        var explicitFail = await user.PutAsync("a.txt", "new"u8.ToArray(), conflict: "fail");

        await Problem.AssertAsync(implicitFail, HttpStatusCode.Conflict, "name");
        await Problem.AssertAsync(explicitFail, HttpStatusCode.Conflict, "name");
        Assert.Equal("original", await user.Client.GetStringAsync($"/api/v1/items/{original.Id}/content"));
        Assert.Single(_app.StoredBlobs());
    }

    [Fact]
    public async Task Upload_ConflictRename_KeepsBoth()
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync("report.pdf", "one");

        var second = await user.PutAsync("report.pdf", "two"u8.ToArray(), conflict: "rename");
        var third = await user.PutAsync("report.pdf", "three"u8.ToArray(), conflict: "rename");

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("report (2).pdf", (await second.Content.ReadFromJsonAsync<ItemDto>())!.Name);
        Assert.Equal("report (3).pdf", (await third.Content.ReadFromJsonAsync<ItemDto>())!.Name);
        Assert.Equal(3, (await user.ChildrenAsync()).Items.Count);
    }

    [Fact]
    public async Task Upload_ConflictReplace_KeepsTheIdAndReplacesTheContent()
    {
        var user = await _app.NewUserAsync();
        var original = await user.UploadAsync("a.txt", "original");

        var response = await user.PutAsync("a.txt", "replaced!"u8.ToArray(), conflict: "replace");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replaced = (await response.Content.ReadFromJsonAsync<ItemDto>())!;
        Assert.Equal(original.Id, replaced.Id);
        Assert.Equal(9, replaced.Size);
        Assert.NotEqual(original.Sha256, replaced.Sha256);
        Assert.Equal("replaced!", await user.Client.GetStringAsync($"/api/v1/items/{original.Id}/content"));
        Assert.Equal(2, _app.StoredBlobs().Count); // the old content stays as an earlier version
    }

    [Fact]
    public async Task Upload_ReplaceAFolder_Is409()
    {
        var user = await _app.NewUserAsync();
        await user.CreateFolderAsync("Docs");

        var response = await user.PutAsync("Docs", "x"u8.ToArray(), conflict: "replace");

        await Problem.AssertAsync(response, HttpStatusCode.Conflict, "name");
    }

    [Theory]
    [InlineData("image/jpeg")]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Upload_AnyContentType_IsStoredAsIs(string? mediaType)
    {
        var user = await _app.NewUserAsync();
        var content = new ByteArrayContent("bytes"u8.ToArray());
        content.Headers.ContentType = mediaType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);

        var response = await user.Client.PutAsync(TestUser.ContentUrl("root", "a.jpg"), content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("image/jpeg", (await response.Content.ReadFromJsonAsync<ItemDto>())!.ContentType);
    }

    [Fact]
    public async Task Upload_NameGivenTwice_Is400()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.PutAsync("/api/v1/items/root/content?name=a&name=b", new ByteArrayContent([1]));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "name");
        Assert.Empty((await user.ChildrenAsync()).Items);
    }

    [Fact]
    public async Task Upload_UnknownConflictMode_Is400()
    {
        var user = await _app.NewUserAsync();

        var response = await user.PutAsync("a.txt", "x"u8.ToArray(), conflict: "overwrite");

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "conflict");
        Assert.Empty(_app.StoredBlobs());
    }

    [Fact]
    public async Task Upload_MissingName_Is400()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.PutAsync("/api/v1/items/root/content", new ByteArrayContent("x"u8.ToArray()));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task Upload_IntoUnknownFolder_Is404()
    {
        var user = await _app.NewUserAsync();

        var response = await user.PutAsync("a.txt", "x"u8.ToArray(), Guid.NewGuid().ToString());

        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.Empty(_app.StoredBlobs());
    }

    [Fact]
    public async Task Upload_ContentType_FollowsTheExtension()
    {
        var user = await _app.NewUserAsync();

        var jpeg = await user.UploadAsync("photo.JPG", "x");
        var unknown = await user.UploadAsync("data.weird", "x");

        Assert.Equal("image/jpeg", jpeg.ContentType);
        Assert.Equal("application/octet-stream", unknown.ContentType);
    }

    [Fact]
    public async Task GetByPath_FindsNestedItems_And404sForMissingOnes()
    {
        var user = await _app.NewUserAsync();
        var photos = await user.CreateFolderAsync("Photos");
        var year = await user.CreateFolderAsync("2024", photos.Id);
        var file = await user.UploadAsync("a b.jpg", "x", year.Id);

        var found = await user.Client.GetFromJsonAsync<ItemDto>("/api/v1/items/by-path?path=" + Uri.EscapeDataString("/Photos/2024/a b.jpg"));
        var folder = await user.Client.GetFromJsonAsync<ItemDto>("/api/v1/items/by-path?path=/Photos/");
        var root = await user.Client.GetFromJsonAsync<ItemDto>("/api/v1/items/by-path?path=/");
        var missing = await user.Client.GetAsync("/api/v1/items/by-path?path=/Photos/2023");

        Assert.Equal(file.Id, found!.Id);
        Assert.Equal(photos.Id, folder!.Id);
        Assert.Equal("root", root!.Id);
        await Problem.AssertAsync(missing, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    public async Task GetByPath_DotSegments_Are400(string path)
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync("/api/v1/items/by-path?path=" + Uri.EscapeDataString(path));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "path");
    }

    [Fact]
    public async Task GetByPath_MissingPath_Is400()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync("/api/v1/items/by-path");

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "path");
    }

    [Fact]
    public async Task Children_ArePagedFoldersFirstThenByName()
    {
        var user = await _app.NewUserAsync();
        foreach (var name in new[] { "b.txt", "a.txt", "C.txt" })
            await user.UploadAsync(name, "x");
        foreach (var name in new[] { "zeta", "alpha" })
            await user.CreateFolderAsync(name);

        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await user.ChildrenAsync("root", "?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.True(page.Items.Count <= 2);
            names.AddRange(page.Items.Select(i => i.Name));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(["alpha", "zeta", "C.txt", "a.txt", "b.txt"], names);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?cursor=!!!", "cursor")]
    [InlineData("?cursor=Zm9v", "cursor")]
    public async Task Children_BadPaging_Is400(string query, string field)
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync("/api/v1/items/root/children" + query);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("\0")]
    [InlineData("\u001f")]
    public async Task Children_CursorWhoseNameHoldsAControlCharacter_Is400(string control)
    {
        // Shaped like one the server hands out, but no name holds a control character, and
        // PostgreSQL refuses a NUL in a parameter: it must be refused before the query.
        var user = await _app.NewUserAsync();
        var cursor = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"name.asc:1::a{control}b"));

        var response = await user.Client.GetAsync("/api/v1/items/root/children?cursor=" + cursor);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "cursor");
    }

    [Fact]
    public async Task Children_SortSizeDescending_FoldersFirstThenBiggestFirst()
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync("small.txt", "x");
        await user.UploadAsync("big-a.txt", "xxxxxxxxxx");
        await user.UploadAsync("big-b.txt", "xxxxxxxxxx");
        await user.UploadAsync("medium.txt", "xxxxx");
        await user.CreateFolderAsync("Docs");

        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await user.ChildrenAsync("root", "?sort=size&order=desc&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            names.AddRange(page.Items.Select(i => i.Name));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(["Docs", "big-b.txt", "big-a.txt", "medium.txt", "small.txt"], names);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData("?sort=largest", "sort")]
    [InlineData("?sort=", "sort")]
    [InlineData("?order=up", "order")]
    [InlineData("?sort=size&order=descending", "order")]
    public async Task Children_BadSortOrOrder_Is400(string query, string field)
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync("/api/v1/items/root/children" + query);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Children_CursorOfAnotherSort_Is400()
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync("a.txt", "x");
        await user.UploadAsync("b.txt", "xx");
        var cursor = (await user.ChildrenAsync("root", "?sort=size&limit=1")).NextCursor;

        var response = await user.Client.GetAsync("/api/v1/items/root/children?sort=modified&limit=1&cursor=" + cursor);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "cursor");
    }

    [Fact]
    public async Task Children_NonNumericLimit_Is400()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync("/api/v1/items/root/children?limit=lots");

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Children_OfAFile_Is400()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "x");

        var response = await user.Client.GetAsync($"/api/v1/items/{file.Id}/children");

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Patch_RenamesAndMoves_AndPathsFollow()
    {
        var user = await _app.NewUserAsync();
        var docs = await user.CreateFolderAsync("Docs");
        var archive = await user.CreateFolderAsync("Archive");
        var file = await user.UploadAsync("a.txt", "x", docs.Id);

        var renamed = await user.Client.PatchAsJsonAsync($"/api/v1/items/{file.Id}", new { name = "b.md" });
        var moved = await user.Client.PatchAsJsonAsync($"/api/v1/items/{docs.Id}", new { parentId = archive.Id, name = "Old docs" });

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var renamedItem = (await renamed.Content.ReadFromJsonAsync<ItemDto>())!;
        Assert.Equal("b.md", renamedItem.Name);
        Assert.Equal("text/markdown", renamedItem.ContentType);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var fileNow = await user.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/{file.Id}");
        Assert.Equal("/Archive/Old docs/b.md", fileNow!.Path);
        Assert.Equal("x", await user.Client.GetStringAsync($"/api/v1/items/{file.Id}/content"));
    }

    [Fact]
    public async Task Patch_ToATakenName_Is409()
    {
        var user = await _app.NewUserAsync();
        var a = await user.UploadAsync("a.txt", "a");
        await user.UploadAsync("b.txt", "b");

        var response = await user.Client.PatchAsJsonAsync($"/api/v1/items/{a.Id}", new { name = "b.txt" });

        await Problem.AssertAsync(response, HttpStatusCode.Conflict, "name");
        Assert.Equal("a.txt", (await user.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/{a.Id}"))!.Name);
    }

    [Fact]
    public async Task Patch_FolderIntoItsOwnSubtree_Is400()
    {
        var user = await _app.NewUserAsync();
        var a = await user.CreateFolderAsync("a");
        var b = await user.CreateFolderAsync("b", a.Id);
        var c = await user.CreateFolderAsync("c", b.Id);

        var intoItself = await user.Client.PatchAsJsonAsync($"/api/v1/items/{a.Id}", new { parentId = a.Id });
        var intoGrandchild = await user.Client.PatchAsJsonAsync($"/api/v1/items/{a.Id}", new { parentId = c.Id });

        await Problem.AssertAsync(intoItself, HttpStatusCode.BadRequest, "parentId");
        await Problem.AssertAsync(intoGrandchild, HttpStatusCode.BadRequest, "parentId");
        Assert.Equal("/a/b/c", (await user.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/{c.Id}"))!.Path);
    }

    [Fact]
    public async Task Patch_Root_Is400()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.PatchAsJsonAsync("/api/v1/items/root", new { name = "x" });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Patch_NothingToChange_Is400()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "x");

        var response = await user.Client.PatchAsJsonAsync($"/api/v1/items/{file.Id}", new { });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Patch_MalformedJson_Is400()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "x");

        var response = await user.Client.PatchAsync($"/api/v1/items/{file.Id}",
            new StringContent("{\"name\": 42}", Encoding.UTF8, "application/json"));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Delete_Permanent_RemovesTheWholeSubtreeAndItsBlobs()
    {
        var user = await _app.NewUserAsync();
        var a = await user.CreateFolderAsync("a");
        var b = await user.CreateFolderAsync("b", a.Id);
        var deep = await user.UploadAsync("deep.txt", "deep", b.Id);
        var top = await user.UploadAsync("top.txt", "top", a.Id);
        var keep = await user.UploadAsync("keep.txt", "keep");

        var response = await user.Client.DeleteAsync($"/api/v1/items/{a.Id}?permanent=true");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        foreach (var id in new[] { a.Id, b.Id, deep.Id, top.Id })
            Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/v1/items/{id}")).StatusCode);
        Assert.Equal([keep.Id], (await user.ChildrenAsync()).Items.Select(i => i.Id));
        Assert.Single(_app.StoredBlobs());
    }

    [Fact]
    public async Task Delete_Root_Is400_AndUnknown_Is404()
    {
        var user = await _app.NewUserAsync();

        await Problem.AssertAsync(await user.Client.DeleteAsync("/api/v1/items/root"), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await user.Client.DeleteAsync($"/api/v1/items/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await user.Client.DeleteAsync("/api/v1/items/not-an-id"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Content_OfAFolder_Is400()
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("Docs");

        await Problem.AssertAsync(await user.Client.GetAsync($"/api/v1/items/{folder.Id}/content"), HttpStatusCode.BadRequest);
    }
}
