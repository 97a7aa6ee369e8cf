using System.Net;
using Coffer.Server.Shares;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Web;

namespace Coffer.Server.Tests.Shares;

/// <summary>Password-protected links: the form first, nothing without it, a cookie for this link only, a throttle on wrong tries.</summary>
public sealed class SharePasswordTests : IDisposable
{
    private const string Password = "blue whale 42";
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<(TestUser Owner, CreatedShareDto Share)> ProtectedAsync()
    {
        var owner = await _app.NewUserAsync();
        var file = await owner.UploadAsync("secret-plan.txt", "the plan");
        return (owner, await owner.ShareAsync(file.Id, new { password = Password }));
    }

    [Fact]
    public async Task Page_AsksForThePasswordAndShowsNothingElse()
    {
        var (_, share) = await ProtectedAsync();
        using var visitor = _app.Visitor();

        var html = await visitor.PageAsync($"/s/{share.Token}");

        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-plan.txt", html, StringComparison.Ordinal);
        Assert.DoesNotContain("/content", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_WithoutThePassword_IsRefused()
    {
        var (_, share) = await ProtectedAsync();
        using var visitor = _app.Visitor();

        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task WrongPassword_ShowsTheFormAgainWithoutAHint()
    {
        var (_, share) = await ProtectedAsync();
        using var visitor = _app.Visitor();

        var response = await visitor.EnterPasswordAsync(share.Token, "blue whale 41");

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("That password is not right.", html, StringComparison.Ordinal);
        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);
        Assert.Null(WebSession.SetCookie(response, ShareGate.CookieName));
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task RightPassword_SetsACookieScopedToTheLinkThatOpensPageAndContent()
    {
        var (_, share) = await ProtectedAsync();
        using var visitor = _app.Visitor();

        var response = await visitor.EnterPasswordAsync(share.Token, Password);

        WebSession.AssertRedirect(response, $"/s/{share.Token}");
        var cookie = WebSession.SetCookie(response, ShareGate.CookieName);
        Assert.NotNull(cookie);
        Assert.Equal($"/s/{share.Token}", cookie.Path.ToString());
        Assert.True(cookie.HttpOnly);
        Assert.Contains("secret-plan.txt", await visitor.PageAsync($"/s/{share.Token}"), StringComparison.Ordinal);
        var content = await visitor.Client.GetAsync($"/s/{share.Token}/content");
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal("the plan", await content.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cookie_OfOneLink_DoesNotOpenAnother()
    {
        var (owner, share) = await ProtectedAsync();
        var other = await owner.ShareAsync((await owner.UploadAsync("other.txt", "x")).Id, new { password = Password });
        using var visitor = _app.Visitor();
        var cookie = WebSession.SetCookie(await visitor.EnterPasswordAsync(share.Token, Password), ShareGate.CookieName)!;

        var request = new HttpRequestMessage(HttpMethod.Get, $"/s/{other.Token}/content");
        request.Headers.Add("Cookie", $"{ShareGate.CookieName}={cookie.Value}");
        var response = await _app.CreateStreamingClient().SendAsync(request);

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PasswordPost_WithoutAntiforgeryToken_IsRefused()
    {
        var (_, share) = await ProtectedAsync();
        using var visitor = _app.Visitor();
        await visitor.Client.GetAsync($"/s/{share.Token}");

        var response = await visitor.PostAsync($"/s/{share.Token}", ("password", Password));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(WebSession.SetCookie(response, ShareGate.CookieName));
    }

    [Fact]
    public async Task WrongPasswords_AreRateLimitedPerLinkAndAddress()
    {
        var (_, share) = await ProtectedAsync();
        using var visitor = _app.Visitor();
        for (var i = 0; i < ShareGate.WrongTriesPerWindow; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await visitor.EnterPasswordAsync(share.Token, $"guess {i}")).StatusCode);

        var throttled = await visitor.EnterPasswordAsync(share.Token, Password); // even the right one, until the window passes

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many wrong passwords", await throttled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(WebSession.SetCookie(throttled, ShareGate.CookieName));
    }

    [Fact]
    public async Task Revoke_VoidsAnEarlierPasswordCookie()
    {
        var (owner, share) = await ProtectedAsync();
        using var visitor = _app.Visitor();
        await visitor.EnterPasswordAsync(share.Token, Password);

        await owner.Client.DeleteAsync($"/api/v1/shares/{share.Id}");

        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content"), HttpStatusCode.Gone);
    }
}
