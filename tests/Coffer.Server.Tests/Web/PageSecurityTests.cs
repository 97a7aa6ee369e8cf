using System.Net;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Web;

/// <summary>Content-Security-Policy per kind of answer, and the error page people see instead of a problem document or a stack trace.</summary>
public sealed class PageSecurityTests : IDisposable
{
    private readonly CofferApp _app = new();
    private readonly WebSession _browser;

    public PageSecurityTests() => _browser = new WebSession(_app);

    public void Dispose()
    {
        _browser.Dispose();
        _app.Dispose();
    }

    [Theory]
    [InlineData("/signin")]
    [InlineData("/signup")]
    public async Task AnonymousPage_HasThePagePolicy(string path)
    {
        var response = await _browser.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPagePolicy(response);
    }

    [Theory]
    [InlineData("/files")]
    [InlineData("/settings")]
    [InlineData("/shared")]
    [InlineData("/trash")]
    public async Task SignedInPage_HasThePagePolicy(string path)
    {
        await _browser.SignedUpAsync("pages@example.com");

        var response = await _browser.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPagePolicy(response);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task ApiAnswerAndFileContent_HaveTheSandboxPolicy()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("page.html", "<script>alert(1)</script>");

        var me = await user.Client.GetAsync("/api/v1/me");
        var content = await user.Client.GetAsync($"/api/v1/items/{file.Id}/content");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        AssertSandboxPolicy(me);
        AssertSandboxPolicy(content);
    }

    [Theory]
    [InlineData("/no-such-page")]
    [InlineData("/files/{guid}")]
    [InlineData("/files/not-an-id")]
    [InlineData("/settings/extra")]
    public async Task MissingPage_SignedIn_Is404HtmlPage(string path)
    {
        await _browser.SignedUpAsync("lost@example.com");

        var response = await _browser.Client.GetAsync(path.Replace("{guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal));

        await AssertNotFoundPageAsync(response);
    }

    [Fact]
    public async Task MissingPage_Anonymous_Is404HtmlPage()
    {
        var response = await _browser.Client.GetAsync("/no-such-page");

        await AssertNotFoundPageAsync(response);
    }

    [Fact]
    public async Task AnotherUsersFolder_Is404HtmlPageLikeAMissingOne()
    {
        var owner = await _app.NewUserAsync();
        var folder = await owner.CreateFolderAsync("Private");
        await _browser.SignedUpAsync("nosy@example.com");

        var response = await _browser.Client.GetAsync($"/files/{folder.Id}");

        var html = await AssertNotFoundPageAsync(response);
        Assert.DoesNotContain("Private", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormPostWithoutAntiforgeryToken_IsAn400ErrorPage()
    {
        await _browser.PageAsync("/signin");

        var response = await _browser.PostAsync("/signin", ("email", "a@example.com"), ("password", "whatever it is"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("That request didn't work", html, StringComparison.Ordinal);
        AssertPagePolicy(response);
    }

    [Theory]
    [InlineData("/api/v1/items/{guid}")]
    [InlineData("/api/v1/no-such-endpoint")]
    public async Task MissingApiResource_Is404Problem(string path)
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync(path.Replace("{guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal));

        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
        AssertSandboxPolicy(response);
    }

    private static async Task<string> AssertNotFoundPageAsync(HttpResponseMessage response)
    {
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"Expected 404, got {(int)response.StatusCode}: {html}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("This page isn't here", html, StringComparison.Ordinal);
        Assert.Contains("request id", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Coffer.", html, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line", html, StringComparison.Ordinal);
        AssertPagePolicy(response);
        return html;
    }

    /// <summary>
    /// Scripts only from this origin or by this response's nonce, never inline or eval'd; no framing.
    /// (Both <c>script-src 'self'</c> and a nonce with <c>'strict-dynamic'</c> pass.)
    /// </summary>
    private static void AssertPagePolicy(HttpResponseMessage response)
    {
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(d => d[0], d => d[1..], StringComparer.Ordinal);
        Assert.Equal(["'none'"], directives["default-src"]);
        Assert.Equal(["'none'"], directives["frame-ancestors"]);
        var scripts = directives["script-src"];
        Assert.NotEmpty(scripts);
        Assert.All(scripts, source => Assert.True(
            source is "'self'" or "'strict-dynamic'" || (source.StartsWith("'nonce-", StringComparison.Ordinal) && source.Length > 20),
            $"script-src allows {source}: {policy}"));
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("sandbox", policy, StringComparison.Ordinal);
    }

    private static void AssertSandboxPolicy(HttpResponseMessage response)
    {
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("sandbox", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
    }
}
