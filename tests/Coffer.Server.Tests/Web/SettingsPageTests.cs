using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Web;

/// <summary>The settings page: changing the password (which ends the other sessions) and personal access tokens.</summary>
public sealed partial class SettingsPageTests : IDisposable
{
    private const string NewPassword = "a brand new passphrase";

    private readonly CofferApp _app = new();
    private readonly WebSession _browser;

    public SettingsPageTests() => _browser = new WebSession(_app);

    public void Dispose()
    {
        _browser.Dispose();
        _app.Dispose();
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_Is400WithTheError()
    {
        await _browser.SignedUpAsync("wrong@example.com");

        var response = await ChangePasswordAsync(_browser, "not the password", NewPassword);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("The current password is not correct.", html, StringComparison.Ordinal);
        Assert.Contains("id=\"currentPassword-error\"", html, StringComparison.Ordinal);
        using var later = new WebSession(_app);
        await WebSession.AssertSignInRefusedAsync(await later.SignInAsync("wrong@example.com", NewPassword));
        WebSession.AssertRedirect(await later.SignInAsync("wrong@example.com"), "/files");
    }

    [Fact]
    public async Task ChangePassword_WeakNewPassword_Is400WithTheErrorOnTheNewPassword()
    {
        await _browser.SignedUpAsync("weak@example.com");

        var response = await ChangePasswordAsync(_browser, TestUser.DefaultPassword, "short");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"newPassword-error\"", html, StringComparison.Ordinal);
        Assert.Contains("at least 8 characters", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangePassword_Success_KeepsThisSessionAndSignsOutAnOlderOne()
    {
        await _browser.SignedUpAsync("two@example.com");
        using var other = new WebSession(_app);
        await other.SignedInAsync("two@example.com");
        await other.PageAsync("/files");

        var response = await ChangePasswordAsync(_browser, TestUser.DefaultPassword, NewPassword);

        WebSession.AssertRedirect(response, "/settings");
        var settings = await _browser.PageAsync("/settings");
        Assert.Contains("Your password has been changed.", settings, StringComparison.Ordinal);
        await _browser.PageAsync("/files");
        Assert.Equal(HttpStatusCode.OK, (await _browser.Client.GetAsync("/api/v1/me")).StatusCode);

        WebSession.AssertRedirect(await other.Client.GetAsync("/files"), "/signin?returnUrl=%2Ffiles");
        await Problem.AssertAsync(await other.Client.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ChangePassword_Success_SignOutInTheOtherBrowserStillWorks()
    {
        await _browser.SignedUpAsync("other-signout@example.com");
        using var other = new WebSession(_app);
        await other.SignedInAsync("other-signout@example.com");
        var openPage = await other.PageAsync("/files"); // its Sign out button carries this page's token

        await ChangePasswordAsync(_browser, TestUser.DefaultPassword, NewPassword);
        var response = await other.PostAsync("/signout", ("__RequestVerificationToken", WebSession.FormToken(openPage)));

        WebSession.AssertRedirect(response, "/signin");
        Assert.Null(other.Session);
        await _browser.PageAsync("/files"); // and the browser that changed the password is still signed in
    }

    [Fact]
    public async Task ChangePassword_Success_TheOldCookieIsNoLongerValid()
    {
        await _browser.SignedUpAsync("stolen@example.com");
        var before = _browser.Session!.Value;

        await ChangePasswordAsync(_browser, TestUser.DefaultPassword, NewPassword);

        // A copy of the cookie taken before the change (say, from another device) no longer works.
        using var replay = new WebSession(_app);
        replay.Cookies.Add(WebSession.BaseAddress, new Cookie(WebSession.SessionCookie, before));
        WebSession.AssertRedirect(await replay.Client.GetAsync("/files"), "/signin?returnUrl=%2Ffiles");
    }

    [Fact]
    public async Task ChangePassword_Success_NewPasswordSignsInAndTheOldOneDoesNot()
    {
        await _browser.SignedUpAsync("rotate@example.com");

        WebSession.AssertRedirect(await ChangePasswordAsync(_browser, TestUser.DefaultPassword, NewPassword), "/settings");

        using var later = new WebSession(_app);
        await WebSession.AssertSignInRefusedAsync(await later.SignInAsync("rotate@example.com", TestUser.DefaultPassword));
        WebSession.AssertRedirect(await later.SignInAsync("rotate@example.com", NewPassword), "/files");
        var token = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/tokens",
            new { email = "rotate@example.com", password = TestUser.DefaultPassword, name = "old" });
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
    }

    [Fact]
    public async Task ChangePassword_Success_AccessTokensKeepWorking()
    {
        var user = await _app.NewUserAsync();
        await _browser.SignedInAsync(user.Email);

        WebSession.AssertRedirect(await ChangePasswordAsync(_browser, TestUser.DefaultPassword, NewPassword), "/settings");

        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task ChangePassword_SessionNotKeptSignedIn_StaysABrowserSessionCookie()
    {
        var user = await _app.NewUserAsync();
        await _browser.SignedInAsync(user.Email, remember: false);

        var response = await ChangePasswordAsync(_browser, TestUser.DefaultPassword, NewPassword);

        WebSession.AssertRedirect(response, "/settings");
        var renewed = WebSession.SetCookie(response, WebSession.SessionCookie);
        Assert.NotNull(renewed);
        Assert.Null(renewed.Expires); // "keep me signed in" was not ticked: changing the password must not tick it
        Assert.Null(renewed.MaxAge);
    }

    [Fact]
    public async Task ChangePassword_SessionKeptSignedIn_StaysPersistent()
    {
        var user = await _app.NewUserAsync();
        await _browser.SignedInAsync(user.Email, remember: true);

        var response = await ChangePasswordAsync(_browser, TestUser.DefaultPassword, NewPassword);

        Assert.NotNull(WebSession.SetCookie(response, WebSession.SessionCookie)?.Expires);
    }

    [Fact]
    public async Task CreateToken_ShowsTheSecretOnceWithNoStore()
    {
        await _browser.SignedUpAsync("tokens@example.com");

        var response = await _browser.SubmitAsync("/settings", "/settings?handler=CreateToken", ("name", "backup script"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control is {response.Headers.CacheControl}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("cof_", html, StringComparison.Ordinal);
        Assert.Contains("backup script", html, StringComparison.Ordinal);
        var secret = Secret(html);

        using var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = WebSession.Bearer(secret);
        var me = await api.GetFromJsonAsync<MeDto>("/api/v1/me");
        Assert.Equal("tokens@example.com", me!.Email);

        var reloaded = await _browser.PageAsync("/settings");
        Assert.DoesNotContain("cof_", reloaded, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, reloaded, StringComparison.Ordinal);
        Assert.Contains("backup script", reloaded, StringComparison.Ordinal); // listed by name
    }

    [Fact]
    public async Task CreateToken_WithoutAName_Is400WithTheError()
    {
        await _browser.SignedUpAsync("nameless@example.com");

        var response = await _browser.SubmitAsync("/settings", "/settings?handler=CreateToken", ("name", "  "));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("A token name is required.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cof_", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateToken_WithoutAntiforgeryToken_Is400AndCreatesNone()
    {
        await _browser.SignedUpAsync("forged-token@example.com");
        await _browser.PageAsync("/settings");

        var response = await _browser.PostAsync("/settings?handler=CreateToken", ("name", "forged"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("cof_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("You have no tokens.", await _browser.PageAsync("/settings"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeToken_OwnToken_StopsItWorking()
    {
        await _browser.SignedUpAsync("revoke@example.com");
        var created = await _browser.SubmitAsync("/settings", "/settings?handler=CreateToken", ("name", "laptop"));
        var html = await created.Content.ReadAsStringAsync();
        var secret = Secret(html);
        var tokenId = RevokeTokenIds(html).Single();
        using var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = WebSession.Bearer(secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/me")).StatusCode);

        var response = await _browser.SubmitAsync("/settings", $"/settings?handler=Revoke&tokenId={tokenId}");

        WebSession.AssertRedirect(response, "/settings");
        var settings = await _browser.PageAsync("/settings");
        Assert.Contains("The token has been revoked.", settings, StringComparison.Ordinal);
        Assert.Contains("You have no tokens.", settings, StringComparison.Ordinal);
        await Problem.AssertAsync(await api.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokeToken_AnotherUsersToken_LeavesItWorking()
    {
        var victim = await _app.NewUserAsync();
        var victimTokens = await victim.Client.GetFromJsonAsync<TokenListDto>("/api/v1/tokens");
        var victimTokenId = victimTokens!.Items.Single().Id;
        await _browser.SignedUpAsync("attacker@example.com");

        var response = await _browser.SubmitAsync("/settings", $"/settings?handler=Revoke&tokenId={victimTokenId}");

        WebSession.AssertRedirect(response, "/settings");
        Assert.Contains("That token no longer exists.", await _browser.PageAsync("/settings"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await victim.Client.GetAsync("/api/v1/me")).StatusCode);
        Assert.Single((await victim.Client.GetFromJsonAsync<TokenListDto>("/api/v1/tokens"))!.Items);
    }

    [Fact]
    public async Task Settings_ShowsTheAccount()
    {
        await _browser.SignedUpAsync("shown@example.com");

        var html = await _browser.PageAsync("/settings");

        Assert.Contains("shown@example.com", html, StringComparison.Ordinal);
        Assert.Contains("You have no tokens.", html, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> ChangePasswordAsync(WebSession browser, string current, string next) =>
        browser.SubmitAsync("/settings", "/settings?handler=Password", ("currentPassword", current), ("newPassword", next));

    private static string Secret(string html)
    {
        var match = SecretPattern().Match(html);
        Assert.True(match.Success, "The page shows no token secret.");
        return match.Groups[1].Value;
    }

    /// <summary>The token ids the page's revoke forms post.</summary>
    private static List<Guid> RevokeTokenIds(string html) =>
        [.. RevokePattern().Matches(html).Select(m => Guid.Parse(m.Groups[1].Value))];

    [GeneratedRegex(""""value="(cof_[A-Za-z0-9_-]+)"""")]
    private static partial Regex SecretPattern();

    [GeneratedRegex("""/settings\?tokenId=([0-9a-fA-F-]{36})&amp;handler=Revoke""")]
    private static partial Regex RevokePattern();
}
