using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

/// <summary>
/// User B meets a 404 at every door to user A's items, exactly as for items that do not exist,
/// even though A shared another folder with B (read-write): a grant opens that folder, nothing beside it.
/// </summary>
public sealed class IsolationTests(IsolationTests.World world) : IClassFixture<IsolationTests.World>
{
    /// <summary>Alice owns a folder with a file, and shares another folder with Bob; Bob owns a file of his own.</summary>
    public sealed class World : IAsyncLifetime
    {
        public CofferApp App { get; } = new();
        public TestUser Alice { get; private set; } = null!;
        public TestUser Bob { get; private set; } = null!;
        public ItemDto AliceFolder { get; private set; } = null!;
        public ItemDto AliceFile { get; private set; } = null!;
        public ItemDto BobFile { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Alice = await App.NewUserAsync();
            Bob = await App.NewUserAsync();
            AliceFolder = await Alice.CreateFolderAsync("Private");
            AliceFile = await Alice.UploadAsync("secret.txt", "alice's secret", AliceFolder.Id);
            var open = await Alice.CreateFolderAsync("Open");
            var granted = await Alice.Client.PostAsJsonAsync($"/api/v1/items/{open.Id}/grants", new { email = Bob.Email, access = "readWrite" });
            Assert.Equal(System.Net.HttpStatusCode.Created, granted.StatusCode);
            BobFile = await Bob.UploadAsync("bob.txt", "bob's");
        }

        public ValueTask DisposeAsync()
        {
            App.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Every item route, with {file}, {folder}, {aliceRoot} and {bobFile} standing for ids.</summary>
    public static TheoryData<string, string, string?> Routes => new()
    {
        { "GET", "/api/v1/items/{file}", null },
        { "GET", "/api/v1/items/{folder}", null },
        { "GET", "/api/v1/items/{aliceRoot}", null },
        { "GET", "/api/v1/items/{folder}/children", null },
        { "GET", "/api/v1/items/{aliceRoot}/children", null },
        { "GET", "/api/v1/items/by-path?path=/Private/secret.txt", null },
        { "GET", "/api/v1/items/by-path?path=/Private", null },
        { "POST", "/api/v1/items/{folder}/folders", """{"name":"intruder"}""" },
        { "PUT", "/api/v1/items/{folder}/content?name=intruder.txt", "raw" },
        { "PUT", "/api/v1/items/{aliceRoot}/content?name=secret.txt&conflict=replace", "raw" },
        { "GET", "/api/v1/items/{file}/content", null },
        { "HEAD", "/api/v1/items/{file}/content", null },
        { "PATCH", "/api/v1/items/{file}", """{"name":"stolen.txt"}""" },
        { "PATCH", "/api/v1/items/{folder}", """{"parentId":"root"}""" },
        { "PATCH", "/api/v1/items/{bobFile}", """{"parentId":"{folder}"}""" },
        { "DELETE", "/api/v1/items/{file}", null },
        { "DELETE", "/api/v1/items/{folder}", null },
        { "POST", "/api/v1/items/{file}/download-url", "{}" },
        { "POST", "/api/v1/items/{folder}/uploads", """{"name":"intruder.bin","size":1}""" },
        { "GET", "/api/v1/items/{folder}/grants", null },
        { "POST", "/api/v1/items/{folder}/grants", """{"email":"bob@example.com","access":"read"}""" },
        { "GET", "/api/v1/items/{file}/versions", null },
        { "GET", "/api/v1/items/{file}/versions/{file}/content", null },
        { "POST", "/api/v1/items/{file}/versions/{file}/restore", null },
        { "DELETE", "/api/v1/items/{file}/versions/{file}", null },
        { "POST", "/api/v1/trash/{file}/restore", null },
        { "DELETE", "/api/v1/trash/{folder}", null },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task OtherUsersItem_Is404_AndUnchanged(string method, string route, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), Fill(route));
        if (body is not null)
            request.Content = new StringContent(Fill(body), System.Text.Encoding.UTF8, method == "PUT" ? "application/octet-stream" : "application/json");

        var response = await world.Bob.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        if (method != "HEAD")
            await Problem.AssertAsync(response, HttpStatusCode.NotFound);
        await AssertAliceUntouchedAsync();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task MissingItem_AnswersExactlyLikeAnotherUsersItem(string method, string route, string? body)
    {
        var missing = Guid.NewGuid().ToString();
        var request = new HttpRequestMessage(new HttpMethod(method), Fill(route, missing));
        if (body is not null)
            request.Content = new StringContent(Fill(body, missing), System.Text.Encoding.UTF8, method == "PUT" ? "application/octet-stream" : "application/json");

        var response = await world.Bob.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private string Fill(string template, string? replaceAliceIdsWith = null) => template
        .Replace("{file}", replaceAliceIdsWith ?? world.AliceFile.Id, StringComparison.Ordinal)
        .Replace("{folder}", replaceAliceIdsWith ?? world.AliceFolder.Id, StringComparison.Ordinal)
        .Replace("{aliceRoot}", replaceAliceIdsWith ?? world.Alice.Id.ToString(), StringComparison.Ordinal)
        .Replace("{bobFile}", world.BobFile.Id, StringComparison.Ordinal);

    private async Task AssertAliceUntouchedAsync()
    {
        var children = await world.Alice.ChildrenAsync(world.AliceFolder.Id);
        Assert.Equal(["secret.txt"], children.Items.Select(i => i.Name));
        Assert.Equal(["Open", "Private"], (await world.Alice.ChildrenAsync()).Items.Select(i => i.Name));
        Assert.Equal("alice's secret", await world.Alice.Client.GetStringAsync($"/api/v1/items/{world.AliceFile.Id}/content"));
        var bobFile = await world.Bob.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/{world.BobFile.Id}");
        Assert.Equal("root", bobFile!.ParentId);
    }
}
