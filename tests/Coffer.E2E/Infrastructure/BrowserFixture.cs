using Coffer.E2E.Infrastructure;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(BrowserFixture))]

namespace Coffer.E2E.Infrastructure;

/// <summary>
/// One headless Chromium for the whole test assembly: the system's own build (never a downloaded
/// one), at <c>$COFFER_CHROMIUM</c> or <c>/usr/bin/chromium</c>. Every test gets its own
/// isolated context from it (see <see cref="BrowserTest"/>).
/// </summary>
/// <remarks>
/// Without that executable the browser tests are skipped, or fail when <c>COFFER_E2E_REQUIRED=1</c>
/// (which test.sh sets, after installing Chromium itself).
/// </remarks>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string DefaultExecutable = "/usr/bin/chromium";

    /// <summary>Offline and quiet: no sandbox (root in CI), no GPU, no background traffic, and every host name but the test server's unresolvable.</summary>
    private static readonly string[] LaunchArgs =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    ];

    private IPlaywright? _playwright;

    public string ExecutablePath { get; } =
        Environment.GetEnvironmentVariable("COFFER_CHROMIUM") is { Length: > 0 } path ? path : DefaultExecutable;

    /// <summary>Whether a missing browser fails the tests instead of skipping them (test.sh sets it).</summary>
    public static bool Required => Environment.GetEnvironmentVariable("COFFER_E2E_REQUIRED") == "1";

    /// <summary>The browser, or <see langword="null"/> when <see cref="UnavailableReason"/> says why not.</summary>
    public IBrowser? Browser { get; private set; }

    public string? UnavailableReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            UnavailableReason =
                $"Chromium was not found at {ExecutablePath}, so the browser tests cannot run. " +
                "./test.sh installs it (apt-get install chromium); or point COFFER_CHROMIUM at a Chromium or Chrome executable.";
            return;
        }

        // Expect(...) assertions wait as long as actions do (BrowserTest sets the same on each context).
        Assertions.SetDefaultExpectTimeout((float)BrowserTest.DefaultTimeout.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = LaunchArgs,
            Timeout = 60_000, // a cold start on a busy 2-core machine
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
