using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace Coffer.Server.Tests.Web;

/// <summary>The sign-up, sign-in and sign-out pages, posted as a browser would (cookies, antiforgery tokens, no redirects followed).</summary>
public sealed partial class AccountPageTests : IDisposable
{
    private readonly CofferApp _app = new();
    private readonly WebSession _browser;

    public AccountPageTests() => _browser = new WebSession(_app);

    public void Dispose()
    {
        _browser.Dispose();
        _app.Dispose();
    }

    [Fact]
    public async Task SignUp_ValidForm_RedirectsToFilesWithAnHttpOnlyLaxSessionCookie()
    {
        var response = await _browser.SignUpAsync("new@example.com");

        WebSession.AssertRedirect(response, "/files");
        var cookie = WebSession.SetCookie(response, WebSession.SessionCookie);
        Assert.NotNull(cookie);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteMode.Lax, cookie.SameSite);
        Assert.False(cookie.Secure); // served over http: a Secure cookie would never come back
        Assert.Equal("/", cookie.Path.Value);
        Assert.NotNull(cookie.Expires); // a new account is kept signed in

        var files = await _browser.PageAsync("/files");
        Assert.Contains("My files", files, StringComparison.Ordinal);
        Assert.Contains("Welcome to Coffer!", files, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignUp_WeakPassword_Is400WithTheFieldError()
    {
        var response = await _browser.SignUpAsync("weak@example.com", "short");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("The password must be at least 8 characters long.", html, StringComparison.Ordinal);
        Assert.Contains("id=\"password-error\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"weak@example.com\"", html, StringComparison.Ordinal); // what was typed stays
        Assert.Null(WebSession.SetCookie(response, WebSession.SessionCookie));
    }

    [Fact]
    public async Task SignUp_TakenEmail_Is409WithAMessage()
    {
        await _app.NewUserAsync("taken@example.com");

        var response = await _browser.SignUpAsync("Taken@Example.com");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("An account with this email address already exists.", html, StringComparison.Ordinal);
        Assert.Null(WebSession.SetCookie(response, WebSession.SessionCookie));
    }

    [Fact]
    public async Task SignUp_WithoutAntiforgeryToken_Is400AndCreatesNoAccount()
    {
        await _browser.PageAsync("/signup"); // the antiforgery cookie is there; only the form field is missing

        var response = await _browser.PostAsync("/signup", ("email", "forged@example.com"), ("password", TestUser.DefaultPassword));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(WebSession.SetCookie(response, WebSession.SessionCookie));
        var register = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = "forged@example.com", password = TestUser.DefaultPassword });
        Assert.Equal(HttpStatusCode.Created, register.StatusCode); // the address was still free
    }

    [Fact]
    public async Task SignIn_WrongPasswordAndUnknownEmail_ShowTheSameMessage()
    {
        var user = await _app.NewUserAsync();

        var wrongPassword = await _browser.SignInAsync(user.Email, "not the password");
        var unknownEmail = await _browser.SignInAsync("nobody@example.com", "not the password");

        Assert.Equal(await WebSession.AssertSignInRefusedAsync(wrongPassword), await WebSession.AssertSignInRefusedAsync(unknownEmail));
        var a = FormError(await wrongPassword.Content.ReadAsStringAsync());
        var b = FormError(await unknownEmail.Content.ReadAsStringAsync());
        Assert.Equal("Invalid email or password.", a);
        Assert.Equal(a, b);
        Assert.Null(_browser.Session);
    }

    [Fact]
    public async Task SignIn_RightPassword_RedirectsToFilesAndTheSessionWorks()
    {
        var user = await _app.NewUserAsync();

        var response = await _browser.SignInAsync(user.Email);

        WebSession.AssertRedirect(response, "/files");
        var html = await _browser.PageAsync("/files");
        Assert.Contains(user.Email, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_NotKeptSignedIn_GetsACookieThatEndsWithTheBrowser()
    {
        var user = await _app.NewUserAsync();

        var response = await _browser.SignInAsync(user.Email, remember: false);

        WebSession.AssertRedirect(response, "/files");
        var cookie = WebSession.SetCookie(response, WebSession.SessionCookie);
        Assert.NotNull(cookie);
        Assert.Null(cookie.Expires);
        Assert.Null(cookie.MaxAge);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("http:/evil.example/")]
    public async Task SignIn_OffSiteReturnUrl_GoesToFiles(string returnUrl)
    {
        var user = await _app.NewUserAsync();

        var response = await _browser.SignInAsync(user.Email, returnUrl: returnUrl);

        WebSession.AssertRedirect(response, "/files");
    }

    [Theory]
    [InlineData("/settings")]
    [InlineData("/files?sort=size&order=desc")]
    public async Task SignIn_LocalReturnUrl_IsHonoured(string returnUrl)
    {
        var user = await _app.NewUserAsync();

        var response = await _browser.SignInAsync(user.Email, returnUrl: returnUrl);

        WebSession.AssertRedirect(response, returnUrl);
    }

    [Fact]
    public async Task SignIn_ReturnUrlFromTheChallenge_IsCarriedByTheForm()
    {
        var challenge = await _browser.Client.GetAsync("/settings");
        WebSession.AssertRedirect(challenge, "/signin?returnUrl=%2Fsettings");

        var html = await _browser.PageAsync(challenge.Headers.Location!.PathAndQuery);

        Assert.Contains("<input type=\"hidden\" name=\"ReturnUrl\" value=\"/settings\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/files")]
    [InlineData("/settings")]
    public async Task Page_Unauthenticated_RedirectsToSignInWithReturnUrl(string path)
    {
        var response = await _browser.Client.GetAsync(path);

        WebSession.AssertRedirect(response, "/signin?returnUrl=" + Uri.EscapeDataString(path));
    }

    [Fact]
    public async Task Root_RedirectsBySignedInState()
    {
        WebSession.AssertRedirect(await _browser.Client.GetAsync("/"), "/signin");
        await _browser.SignedUpAsync("root@example.com");
        WebSession.AssertRedirect(await _browser.Client.GetAsync("/"), "/files");
    }

    [Fact]
    public async Task SignOut_Get_DoesNotSignOut()
    {
        await _browser.SignedUpAsync("stay@example.com");

        var response = await _browser.Client.GetAsync("/signout");

        WebSession.AssertRedirect(response, "/files");
        Assert.Null(WebSession.SetCookie(response, WebSession.SessionCookie));
        await _browser.PageAsync("/files");
    }

    [Fact]
    public async Task SignOut_PostWithoutAntiforgeryToken_Is400AndDoesNotSignOut()
    {
        await _browser.SignedUpAsync("forged-signout@example.com");

        var response = await _browser.PostAsync("/signout");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await _browser.PageAsync("/files");
    }

    [Fact]
    public async Task SignOut_PostWhenNotSignedIn_JustGoesToSignIn()
    {
        var response = await _browser.PostAsync("/signout");

        WebSession.AssertRedirect(response, "/signin");
    }

    [Fact]
    public async Task SignOut_Post_EndsTheSessionAndFilesRedirectToSignIn()
    {
        await _browser.SignedUpAsync("leave@example.com");

        var response = await _browser.SubmitAsync("/files", "/signout");

        WebSession.AssertRedirect(response, "/signin");
        var cleared = WebSession.SetCookie(response, WebSession.SessionCookie);
        Assert.NotNull(cleared);
        Assert.True(cleared.Expires < DateTimeOffset.UnixEpoch.AddYears(1), "The session cookie is not expired by the sign-out.");
        Assert.Null(_browser.Session);
        Assert.Contains("You are signed out.", await _browser.PageAsync("/signin"), StringComparison.Ordinal);
        WebSession.AssertRedirect(await _browser.Client.GetAsync("/files"), "/signin?returnUrl=%2Ffiles");
    }

    [Fact]
    public async Task SignUpAndSignIn_WhenSignedIn_RedirectToFiles()
    {
        await _browser.SignedUpAsync("already@example.com");

        WebSession.AssertRedirect(await _browser.Client.GetAsync("/signup"), "/files");
        WebSession.AssertRedirect(await _browser.Client.GetAsync("/signin"), "/files");
    }

    [Fact]
    public async Task SignUp_RegistrationClosed_Is403WithAMessage()
    {
        using var app = new CofferApp(("Coffer:Registration", "Closed"));
        await app.NewUserAsync(); // the first account may always register
        using var browser = new WebSession(app);

        var response = await browser.SignUpAsync("late@example.com");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Registration is closed.", FormError(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    /// <summary>The text of the form's error (role=alert) above the fields.</summary>
    private static string FormError(string html)
    {
        var match = FormErrorPattern().Match(html);
        Assert.True(match.Success, "The page shows no form error.");
        return System.Net.WebUtility.HtmlDecode(match.Groups[1].Value).Trim();
    }

    [GeneratedRegex("""<p class="form-error" role="alert">.*?</svg>(.*?)</p>""", RegexOptions.Singleline)]
    private static partial Regex FormErrorPattern();
}
