using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Web;

/// <summary>The API called by the web UI's scripts with the session cookie: state changes need the antiforgery header; tokens need none.</summary>
public sealed class SessionApiTests : IDisposable
{
    private readonly CofferApp _app = new();
    private readonly WebSession _browser;

    public SessionApiTests() => _browser = new WebSession(_app);

    public void Dispose()
    {
        _browser.Dispose();
        _app.Dispose();
    }

    [Fact]
    public async Task Me_WithSessionCookie_Is200()
    {
        await _browser.SignedUpAsync("cookie@example.com");

        var me = await _browser.Client.GetFromJsonAsync<MeDto>("/api/v1/me");

        Assert.Equal("cookie@example.com", me!.Email);
    }

    [Fact]
    public async Task CreateFolder_WithCookieWithoutAntiforgeryHeader_Is403Problem()
    {
        await _browser.SignedUpAsync("forged@example.com");
        await _browser.PageAsync("/files"); // the antiforgery cookie is there; the header is not

        var response = await _browser.Client.PostAsJsonAsync("/api/v1/items/root/folders", new { name = "Forged" });

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
        var children = await _browser.Client.GetFromJsonAsync<ItemListDto>("/api/v1/items/root/children");
        Assert.Empty(children!.Items);
    }

    [Fact]
    public async Task CreateFolder_WithCookieAndAWrongAntiforgeryHeader_Is403Problem()
    {
        await _browser.SignedUpAsync("wrong-header@example.com");
        await _browser.PageAsync("/files");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/items/root/folders") { Content = JsonContent.Create(new { name = "Forged" }) };
        request.Headers.Add("X-Coffer-Antiforgery", "not-a-token");

        var response = await _browser.Client.SendAsync(request);

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task CreateFolder_WithCookieAndAntiforgeryHeader_Is201()
    {
        await _browser.SignedUpAsync("scripted@example.com");
        using var request = await _browser.ApiRequestWithAntiforgeryAsync(HttpMethod.Post, "/api/v1/items/root/folders", JsonContent.Create(new { name = "Photos" }));

        var response = await _browser.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Photos", (await response.Content.ReadFromJsonAsync<ItemDto>())!.Name);
    }

    [Fact]
    public async Task CreateFolder_WithAnotherSessionsAntiforgeryToken_Is403Problem()
    {
        await _browser.SignedUpAsync("victim@example.com");
        using var attacker = new WebSession(_app);
        await attacker.SignedUpAsync("attacker@example.com");
        var attackersToken = WebSession.MetaToken(await attacker.PageAsync("/files"));
        await _browser.PageAsync("/files");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/items/root/folders") { Content = JsonContent.Create(new { name = "Forged" }) };
        request.Headers.Add("X-Coffer-Antiforgery", attackersToken);

        var response = await _browser.Client.SendAsync(request);

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task CreateFolder_WithBearerToken_NeedsNoAntiforgeryHeader()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.PostAsJsonAsync("/api/v1/items/root/folders", new { name = "Scripts" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/me")]
    [InlineData("/api/v1/items/root/children")]
    public async Task Api_WithoutCredentials_Is401ProblemWithBearerChallengeNotARedirect(string path)
    {
        var response = await _browser.Client.GetAsync(path);

        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Api_WithAnUnknownBearerToken_Is401Problem()
    {
        _browser.Client.DefaultRequestHeaders.Authorization = WebSession.Bearer("cof_unknown");

        var response = await _browser.Client.GetAsync("/api/v1/me");

        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }
}
