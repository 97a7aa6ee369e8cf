using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Shares;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Web;

namespace Coffer.Server.Tests.Shares;

/// <summary>The owner's "Shared links" page and the pages' security: what is listed, revoking by form, policies.</summary>
public sealed class SharesPageTests : IDisposable
{
    private readonly CofferApp _app = new();
    private readonly WebSession _browser;

    public SharesPageTests() => _browser = new WebSession(_app);

    public void Dispose()
    {
        _browser.Dispose();
        _app.Dispose();
    }

    private async Task<CreatedShareDto> ShareThroughSessionAsync(string name)
    {
        var upload = await _browser.ApiRequestWithAntiforgeryAsync(HttpMethod.Put, TestUser.ContentUrl("root", name), new ByteArrayContent([1, 2, 3]));
        var item = (await (await _browser.Client.SendAsync(upload)).Content.ReadFromJsonAsync<ItemDto>())!;
        var share = await _browser.ApiRequestWithAntiforgeryAsync(HttpMethod.Post, $"/api/v1/items/{item.Id}/shares", JsonContent.Create(new { maxDownloads = 4 }));
        var response = await _browser.Client.SendAsync(share);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedShareDto>())!;
    }

    [Fact]
    public async Task SharesPage_ListsMyLinksWithStateAndUse()
    {
        await _browser.SignedUpAsync("owner@example.com");
        var share = await ShareThroughSessionAsync("listed.txt");

        var html = await _browser.PageAsync("/shares");

        Assert.Contains("/listed.txt", html, StringComparison.Ordinal);
        Assert.Contains("Active", html, StringComparison.Ordinal);
        Assert.Contains("0 downloads of 4", html, StringComparison.Ordinal);
        Assert.DoesNotContain(share.Token, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharesPage_RevokeForm_EndsTheLink()
    {
        await _browser.SignedUpAsync("owner@example.com");
        var share = await ShareThroughSessionAsync("bye.txt");

        var response = await _browser.SubmitAsync("/shares", $"/shares?handler=Revoke&shareId={share.Id}");

        WebSession.AssertRedirect(response, "/shares");
        Assert.Contains("Revoked", await _browser.PageAsync("/shares"), StringComparison.Ordinal);
        using var visitor = _app.Visitor();
        Assert.Equal(HttpStatusCode.Gone, (await visitor.Client.GetAsync($"/s/{share.Token}")).StatusCode);
    }

    [Fact]
    public async Task SharesPage_NeedsSignIn()
    {
        var response = await _browser.Client.GetAsync("/shares");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith("/signin", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicPage_HasThePagePolicy_AndUserHtmlIsNeverRenderedInline()
    {
        var owner = await _app.NewUserAsync();
        var file = await owner.UploadAsync("page.html", "<script>alert(1)</script>");
        var share = await owner.ShareAsync(file.Id);
        using var visitor = _app.Visitor();

        var page = await visitor.Client.GetAsync($"/s/{share.Token}");
        var inline = await visitor.Client.GetAsync($"/s/{share.Token}/content?inline=true");

        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'nonce-", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("attachment", inline.Content.Headers.ContentDisposition?.DispositionType);
        var contentPolicy = inline.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("sandbox", contentPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", contentPolicy, StringComparison.Ordinal);
    }
}
