using Coffer.E2E.Infrastructure;

namespace Coffer.E2E;

/// <summary>The chain works: Kestrel on a socket, the system Chromium, and the page-error guard.</summary>
public sealed class SmokeTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Fact]
    public async Task HealthLive_InChromium_SaysHealthy()
    {
        var response = await GoToAsync("/health/live");

        Assert.Equal(200, response.Status);
        Assert.Equal("Healthy", (await Page.Locator("body").InnerTextAsync()).Trim());
    }

    [Fact]
    public async Task Root_HasAContentSecurityPolicy()
    {
        var first = await Page.APIRequest.GetAsync("/", new() { MaxRedirects = 0 });
        Assert.False(string.IsNullOrWhiteSpace(first.Headers.GetValueOrDefault("content-security-policy")),
            $"GET / answered {first.Status} without a Content-Security-Policy header.");

        var page = await GoToAsync("/");
        Assert.False(string.IsNullOrWhiteSpace(await page.HeaderValueAsync("content-security-policy")),
            $"{page.Url} answered {page.Status} without a Content-Security-Policy header.");
    }

    [Fact]
    public async Task PageErrors_CspViolationsAndUncaughtErrors_AreCollected()
    {
        FailOnPageErrors = false;
        await Page.RouteAsync("**/e2e-probe", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Headers = new Dictionary<string, string> { ["Content-Security-Policy"] = "default-src 'none'; script-src 'self'" },
            Body = "<!doctype html><title>probe</title><script>document.title = 'inline ran';</script><script src=\"/e2e-probe.js\"></script>",
        }));
        await Page.RouteAsync("**/e2e-probe.js", route => route.FulfillAsync(new()
        {
            ContentType = "text/javascript",
            Body = "throw new Error('probe error');",
        }));

        await GoToAsync("/e2e-probe");

        await Expect(Page).ToHaveTitleAsync("probe"); // the inline script that would change it was blocked
        await WaitForPageErrorAsync(e => e.StartsWith("CSP violation:", StringComparison.Ordinal) && e.Contains("inline script", StringComparison.Ordinal));
        await WaitForPageErrorAsync(e => e.StartsWith("Uncaught error:", StringComparison.Ordinal) && e.Contains("probe error", StringComparison.Ordinal));
    }
}
