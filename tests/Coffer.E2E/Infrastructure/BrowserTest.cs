using System.Text;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E.Infrastructure;

/// <summary>
/// The base of every browser test: a fresh, isolated browser context and page per test (1280×800,
/// downloads accepted, relative URLs resolve against <see cref="CofferServer.BaseUrl"/>, actions and
/// Expect assertions time out after <see cref="DefaultTimeout"/>).
/// </summary>
/// <remarks>
/// <para>The page's console, uncaught errors and failed requests are written to the test output as
/// they happen. Uncaught JavaScript errors and Content-Security-Policy violations are collected in
/// <see cref="PageErrors"/>, and a test that otherwise passed fails at the end if there are any,
/// unless it sets <see cref="FailOnPageErrors"/> to <see langword="false"/>.</para>
/// <para>When a test fails, a full-page screenshot is saved under <c>screenshots/</c> next to the
/// test assembly (bin/&lt;Configuration&gt;/net10.0/screenshots/{Class}.{Method}.png) and its path is
/// printed in the test output. With <c>COFFER_E2E_TRACE=1</c> a Playwright trace is saved beside it
/// (open it with <c>pwsh bin/Release/net10.0/playwright.ps1 show-trace FILE</c> or trace.playwright.dev).</para>
/// <para>Derive as <c>public sealed class FooTests(BrowserFixture browser, CofferServer server) :
/// BrowserTest(browser, server), IClassFixture&lt;CofferServer&gt;</c>.</para>
/// </remarks>
public abstract class BrowserTest : IAsyncLifetime
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The one console message Chromium logs for each blocked load, inline script, style or eval.</summary>
    private const string CspMarker = "Content Security Policy";

    private readonly BrowserFixture _browser;
    private readonly List<string> _pageErrors = [];
    private readonly Lock _pageErrorsLock = new();
    private readonly HashSet<IPage> _watched = [];
    private ITestOutputHelper? _output;
    private IBrowserContext? _context;
    private IPage? _page;
    private bool _tracing;

    protected BrowserTest(BrowserFixture browser, CofferServer server)
    {
        _browser = browser;
        Server = server;
    }

    /// <summary>The server under test; one per test class.</summary>
    protected CofferServer Server { get; }

    /// <summary>Where the server listens (no trailing slash); page navigation also takes relative URLs.</summary>
    protected string BaseUrl => Server.BaseUrl;

    /// <summary>This test's browser context: its own cookies, storage and downloads.</summary>
    protected IBrowserContext Context => _context ?? throw new InvalidOperationException("The browser context is created in InitializeAsync.");

    /// <summary>The page this test drives; open more with <c>Context.NewPageAsync()</c> (they are watched too).</summary>
    protected IPage Page => _page ?? throw new InvalidOperationException("The page is created in InitializeAsync.");

    /// <summary>Set to <see langword="false"/> in a test that expects page errors (then assert on <see cref="PageErrors"/>).</summary>
    protected bool FailOnPageErrors { get; set; } = true;

    /// <summary>Uncaught JavaScript errors and CSP violations seen so far, in order.</summary>
    protected IReadOnlyList<string> PageErrors
    {
        get
        {
            lock (_pageErrorsLock)
                return [.. _pageErrors];
        }
    }

    /// <summary>This test's cancellation token (the run was aborted or timed out).</summary>
    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    protected static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    protected static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    protected static IAPIResponseAssertions Expect(IAPIResponse response) => Assertions.Expect(response);

    /// <summary>Registers a fresh user through the API (a bearer-token HTTP client, not a browser session).</summary>
    protected Task<TestUser> NewUserAsync(string? email = null) => Server.NewUserAsync(email);

    /// <summary>Navigates <see cref="Page"/> to a path on the server, like <c>"/files"</c>; returns the final response.</summary>
    protected async Task<IResponse> GoToAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        return response ?? throw new InvalidOperationException($"Navigating to {path} produced no response (same-document navigation?).");
    }

    /// <summary>Waits (up to <see cref="DefaultTimeout"/>) until <see cref="PageErrors"/> has one that matches; browser events arrive asynchronously.</summary>
    protected async Task<string> WaitForPageErrorAsync(Func<string, bool> match)
    {
        var deadline = Environment.TickCount64 + (long)DefaultTimeout.TotalMilliseconds;
        while (true)
        {
            var errors = PageErrors;
            if (errors.FirstOrDefault(match) is { } found)
                return found;
            if (Environment.TickCount64 > deadline)
                Assert.Fail($"No matching page error within {DefaultTimeout.TotalSeconds} s; saw {errors.Count}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
            await Task.Delay(50, Cancellation);
        }
    }

    public virtual async ValueTask InitializeAsync()
    {
        _output = TestContext.Current.TestOutputHelper;
        if (_browser.Browser is null)
        {
            var reason = _browser.UnavailableReason ?? "Chromium could not be started.";
            if (BrowserFixture.Required)
                Assert.Fail(reason + " (COFFER_E2E_REQUIRED=1)");
            Assert.Skip(reason);
        }

        _context = await _browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        _context.SetDefaultTimeout((float)DefaultTimeout.TotalMilliseconds);
        _context.SetDefaultNavigationTimeout((float)DefaultTimeout.TotalMilliseconds);
        _context.Page += (_, page) => Watch(page);

        if (Environment.GetEnvironmentVariable("COFFER_E2E_TRACE") == "1")
        {
            await _context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true, Sources = false });
            _tracing = true;
        }

        _page = await _context.NewPageAsync();
        Watch(_page);
    }

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_context is null)
            return; // skipped, or failed before the browser was reached

        // xunit v3 sets TestState after the test method ran and before the class is disposed.
        var failed = TestContext.Current.TestState?.Result == TestResult.Failed;
        var errors = PageErrors;
        var failing = failed || (FailOnPageErrors && errors.Count > 0);
        try
        {
            if (failing)
                await SaveEvidenceAsync();
        }
        finally
        {
            await _context.CloseAsync();
        }

        if (!failed && FailOnPageErrors && errors.Count > 0)
        {
            Assert.Fail(
                $"The page had {errors.Count} uncaught error(s) or Content-Security-Policy violation(s) " +
                $"(set FailOnPageErrors = false in a test that expects them):{Environment.NewLine}  " +
                string.Join(Environment.NewLine + "  ", errors));
        }
    }

    private void Watch(IPage page)
    {
        lock (_watched)
        {
            if (!_watched.Add(page))
                return;
        }

        page.Console += (_, message) =>
        {
            Log($"[browser console.{message.Type}] {message.Text}{Where(message.Location)}");
            if (message.Type == "error" && message.Text.Contains(CspMarker, StringComparison.Ordinal))
                AddPageError($"CSP violation: {message.Text}{Where(message.Location)}");
        };
        page.PageError += (_, error) =>
        {
            Log($"[browser uncaught error] {error}");
            AddPageError($"Uncaught error: {error}");
        };
        page.RequestFailed += (_, request) =>
            Log($"[browser request failed] {request.Method} {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 500)
                Log($"[browser response] {response.Status} {response.Request.Method} {response.Url}");
        };
        page.Crash += (_, _) => AddPageError("The page crashed.");
    }

    private static string Where(string? location) => string.IsNullOrEmpty(location) ? "" : $" ({location})";

    private void AddPageError(string error)
    {
        lock (_pageErrorsLock)
            _pageErrors.Add(error);
    }

    /// <summary>Writes to the test output; browser events can arrive after the test finished, when that is closed.</summary>
    private void Log(string line)
    {
        try
        {
            _output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private async Task SaveEvidenceAsync()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var stem = Path.Combine(folder, EvidenceName());
        if (_page is { IsClosed: false } page)
        {
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = stem + ".png", FullPage = true, Timeout = 10_000 });
                Log($"Screenshot of the failed test's page: {stem}.png (at {page.Url})");
            }
            catch (PlaywrightException e)
            {
                Log($"No screenshot: {e.Message}");
            }
        }

        if (_tracing)
        {
            await _context!.Tracing.StopAsync(new TracingStopOptions { Path = stem + ".trace.zip" });
            Log($"Playwright trace: {stem}.trace.zip");
        }
    }

    /// <summary><c>{Class}.{Method}</c>, plus the arguments of a theory row, safe as a file name.</summary>
    private static string EvidenceName()
    {
        var testCase = TestContext.Current.TestCase;
        var name = $"{testCase?.TestClassSimpleName ?? "Unknown"}.{testCase?.TestMethodName ?? "Unknown"}";
        var display = TestContext.Current.Test?.TestDisplayName ?? "";
        var arguments = display.IndexOf('(', StringComparison.Ordinal);
        if (arguments >= 0)
            name += display[arguments..];

        var invalid = Path.GetInvalidFileNameChars();
        var safe = new StringBuilder(name.Length);
        foreach (var c in name)
            safe.Append(invalid.Contains(c) || char.IsWhiteSpace(c) || c is '"' or '\'' ? '_' : c);
        return safe.Length <= 150 ? safe.ToString() : safe.ToString(0, 150);
    }
}
