using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Net.Http.Headers;

namespace Coffer.Server.Tests.Web;

/// <summary>
/// One browser, as far as the server can tell: a cookie jar, no automatic redirects, and forms
/// posted with the antiforgery token scraped from the page they are on.
/// </summary>
public sealed partial class WebSession : IDisposable
{
    public const string SessionCookie = "coffer.session";

    /// <summary>A jar of its own, or one shared with another <see cref="WebSession"/> (the same browser talking to a restarted server).</summary>
    public WebSession(CofferApp app, CookieContainer? cookies = null)
    {
        Cookies = cookies ?? new CookieContainer();
        Client = app.CreateDefaultClient(BaseAddress, new CookieContainerHandler(Cookies));
    }

    public static Uri BaseAddress { get; } = new("http://localhost");

    public CookieContainer Cookies { get; }

    public HttpClient Client { get; }

    /// <summary>The session cookie the jar would send, or null when signed out.</summary>
    public Cookie? Session => Cookies.GetCookies(BaseAddress)[SessionCookie];

    public void Dispose() => Client.Dispose();

    /// <summary>GETs a page, asserts a 200 and returns its HTML.</summary>
    public async Task<string> PageAsync(string path)
    {
        var response = await Client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {html}");
        return html;
    }

    /// <summary>Opens <paramref name="formPage"/>, then posts the fields to <paramref name="action"/> (the same page when null) with that page's antiforgery token.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string formPage, string? action, params (string Name, string Value)[] fields)
    {
        var token = FormToken(await PageAsync(formPage));
        return await PostAsync(action ?? formPage, [.. fields, ("__RequestVerificationToken", token)]);
    }

    /// <summary>Posts the fields as a form, exactly as given (no token added).</summary>
    public Task<HttpResponseMessage> PostAsync(string action, params (string Name, string Value)[] fields) =>
        Client.PostAsync(action, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    public async Task<HttpResponseMessage> SignUpAsync(string email, string password = TestUser.DefaultPassword) =>
        await SubmitAsync("/signup", null, ("email", email), ("password", password), ("displayName", ""));

    public async Task<HttpResponseMessage> SignInAsync(string email, string password = TestUser.DefaultPassword, bool remember = true, string? returnUrl = null)
    {
        var page = returnUrl is null ? "/signin" : $"/signin?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var token = FormToken(await PageAsync(page));
        // A checked checkbox sends "true" before its hidden "false"; an unchecked one only the hidden field.
        (string, string)[] rememberFields = remember ? [("Remember", "true"), ("Remember", "false")] : [("Remember", "false")];
        return await PostAsync("/signin",
            [("email", email), ("password", password), .. rememberFields, ("ReturnUrl", returnUrl ?? ""), ("__RequestVerificationToken", token)]);
    }

    /// <summary>Signs up (a new account) and asserts the redirect to the files.</summary>
    public async Task SignedUpAsync(string email, string password = TestUser.DefaultPassword)
    {
        var response = await SignUpAsync(email, password);
        AssertRedirect(response, "/files");
    }

    /// <summary>Signs in and asserts the redirect to the files.</summary>
    public async Task SignedInAsync(string email, string password = TestUser.DefaultPassword, bool remember = true)
    {
        var response = await SignInAsync(email, password, remember);
        AssertRedirect(response, "/files");
    }

    /// <summary>A cookie-authenticated API request carrying the antiforgery header the UI's scripts send (taken from a page's meta tag).</summary>
    public async Task<HttpRequestMessage> ApiRequestWithAntiforgeryAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Coffer-Antiforgery", MetaToken(await PageAsync("/files")));
        return request;
    }

    public static string FormToken(string html) => Scrape(FormTokenPattern(), html, "a hidden __RequestVerificationToken input");

    public static string MetaToken(string html) => Scrape(MetaTokenPattern(), html, "a <meta name=\"antiforgery\"> tag");

    /// <summary>
    /// Asserts a 302 to <paramref name="pathAndQuery"/> on this site: a relative Location, or an absolute
    /// one on the same host (the cookie handler sends those).
    /// </summary>
    public static void AssertRedirect(HttpResponseMessage response, string pathAndQuery)
    {
        var location = response.Headers.Location;
        Assert.True(response.StatusCode == HttpStatusCode.Found,
            $"Expected a 302 to {pathAndQuery}, got {(int)response.StatusCode} (Location: {location}).");
        Assert.NotNull(location);
        var target = new Uri(BaseAddress, location);
        Assert.True(target.Scheme == BaseAddress.Scheme && target.Authority == BaseAddress.Authority, $"The redirect leaves the site: {location}");
        Assert.Equal(pathAndQuery, target.PathAndQuery);
    }

    /// <summary>The Set-Cookie header the response sent for a cookie, parsed (attributes included).</summary>
    public static SetCookieHeaderValue? SetCookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(HeaderNames.SetCookie, out var values)
            ? SetCookieHeaderValue.ParseList([.. values]).LastOrDefault(c => c.Name.Equals(name, StringComparison.Ordinal))
            : null;

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    /// <summary>
    /// Asserts a refused sign-in: the form again, with the one message that does not tell an unknown
    /// email from a wrong password, and no session. Returns the status (400, or 401 as the API answers).
    /// </summary>
    public static async Task<HttpStatusCode> AssertSignInRefusedAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized,
            $"Expected the sign-in form with an error, got {(int)response.StatusCode}: {html}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Invalid email or password.", html, StringComparison.Ordinal);
        Assert.Null(SetCookie(response, SessionCookie));
        return response.StatusCode;
    }

    private static string Scrape(Regex pattern, string html, string what)
    {
        var match = pattern.Match(html);
        Assert.True(match.Success, $"The page has no {what}.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex(""""<input[^>]*name="__RequestVerificationToken"[^>]*value="([^"]+)"""")]
    private static partial Regex FormTokenPattern();

    [GeneratedRegex(""""<meta name="antiforgery" content="([^"]+)"""")]
    private static partial Regex MetaTokenPattern();
}
