using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coffer.Server.Api;

namespace Coffer.Server.Tests.Infrastructure;

/// <summary>A registered user with a bearer-token client, plus the calls tests make most.</summary>
public sealed class TestUser(HttpClient client, string email, Guid id, string token)
{
    public const string DefaultPassword = "correct horse battery";

    public HttpClient Client { get; } = client;
    public string Email { get; } = email;
    public Guid Id { get; } = id;
    public string Token { get; } = token;

    public static async Task<TestUser> RegisterAsync(HttpClient client, string email, string password)
    {
        var registered = await client.PostAsJsonAsync("/api/v1/auth/register", new { email, password });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var user = (await registered.Content.ReadFromJsonAsync<RegisteredDto>())!;
        var created = await client.PostAsJsonAsync("/api/v1/auth/tokens", new { email, password, name = "tests" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = (await created.Content.ReadFromJsonAsync<NewTokenDto>())!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return new TestUser(client, email, user.Id, token.Token);
    }

    public async Task<ItemDto> CreateFolderAsync(string name, string parentId = "root")
    {
        var response = await Client.PostAsJsonAsync($"/api/v1/items/{parentId}/folders", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ItemDto>())!;
    }

    public Task<HttpResponseMessage> PutAsync(string name, byte[] content, string folderId = "root", string? conflict = null) =>
        Client.PutAsync(ContentUrl(folderId, name, conflict), new ByteArrayContent(content));

    public async Task<ItemDto> UploadAsync(string name, byte[] content, string folderId = "root")
    {
        var response = await PutAsync(name, content, folderId);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ItemDto>())!;
    }

    public Task<ItemDto> UploadAsync(string name, string text, string folderId = "root") =>
        UploadAsync(name, System.Text.Encoding.UTF8.GetBytes(text), folderId);

    public async Task<ItemListDto> ChildrenAsync(string folderId = "root", string query = "")
    {
        var response = await Client.GetAsync($"/api/v1/items/{folderId}/children{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ItemListDto>())!;
    }

    public static string ContentUrl(string folderId, string name, string? conflict = null) =>
        $"/api/v1/items/{folderId}/content?name={Uri.EscapeDataString(name)}" + (conflict is null ? "" : $"&conflict={conflict}");
}
