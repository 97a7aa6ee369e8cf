using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

/// <summary>Every door that takes a name refuses the same bad names with a 400 naming the field, and writes nothing.</summary>
public sealed class NameRulesApiTests : IClassFixture<NameRulesApiTests.App>
{
    public sealed class App : CofferApp;

    private readonly App _app;

    public NameRulesApiTests(App app) => _app = app;

    public static TheoryData<string> BadNames => new()
    {
        "..",
        ".",
        "a/b",
        "a\\b",
        "nul\0here",
        "tab\there",
        "new\nline",
        "del\u007f",
        "c1\u0085",
        "nonchar\ufffe",
        new string('x', 256),
        new string('é', 128), // 256 bytes of UTF-8
        "trailing.",
        "trailing ",
        "",
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task CreateFolder_BadName_Is400(string name)
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.PostAsJsonAsync("/api/v1/items/root/folders", new { name });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "name");
        Assert.Empty((await user.ChildrenAsync()).Items);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task Upload_BadName_Is400AndStoresNothing(string name)
    {
        var user = await _app.NewUserAsync();
        var before = _app.StoredBlobs().Count;

        var response = await user.PutAsync(name, "content"u8.ToArray());

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "name");
        Assert.Empty((await user.ChildrenAsync()).Items);
        Assert.Equal(before, _app.StoredBlobs().Count);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task Rename_BadName_Is400AndKeepsTheName(string name)
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("good");

        var response = await user.Client.PatchAsJsonAsync($"/api/v1/items/{folder.Id}", new { name });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "name");
        Assert.Equal("good", (await user.ChildrenAsync()).Items.Single().Name);
    }

    [Theory]
    [InlineData(".bashrc")]
    [InlineData("a name with spaces.txt")]
    [InlineData("日本語のファイル.txt")]
    [InlineData("emoji 🎉.png")]
    [InlineData("x")]
    public async Task Upload_GoodName_IsStoredAsGiven(string name)
    {
        var user = await _app.NewUserAsync();

        var item = await user.UploadAsync(name, "content");

        Assert.Equal(name, item.Name);
        Assert.Equal("/" + name, item.Path);
    }

    [Fact]
    public async Task Upload_NameOfExactly255Bytes_IsAccepted()
    {
        var user = await _app.NewUserAsync();
        var name = new string('é', 127) + "x"; // 255 bytes of UTF-8

        var item = await user.UploadAsync(name, "content");

        Assert.Equal(name, item.Name);
    }
}
