using System.Net;
using Coffer.Core.Persistence;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests.Web;

/// <summary>Sessions are sealed with data-protection keys kept in the database, so a restart signs nobody out.</summary>
public sealed class SessionPersistenceTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("coffer-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp dir is throwaway.
        }
    }

    [Fact]
    public async Task FirstRun_PersistsTheSessionKeysInTheDatabase()
    {
        using var app = new CofferApp(_dataDir);
        using var browser = new WebSession(app);

        await browser.SignedUpAsync("keys@example.com");

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync(TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "keys", "data-protection")), "Session keys are shared through the database, not kept per instance.");
    }

    [Fact]
    public async Task SessionCookie_AfterARestartOverTheSameDataDir_StaysValid()
    {
        var cookies = new CookieContainer();
        string antiforgery;
        using (var first = new CofferApp(_dataDir))
        using (var browser = new WebSession(first, cookies))
        {
            await browser.SignedUpAsync("restart@example.com");
            antiforgery = WebSession.MetaToken(await browser.PageAsync("/files"));
        }

        using var second = new CofferApp(_dataDir);
        using var again = new WebSession(second, cookies);

        var html = await again.PageAsync("/files");
        Assert.Contains("restart@example.com", html, StringComparison.Ordinal);

        // A page loaded before the restart keeps working: its antiforgery token still validates.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/items/root/folders")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { name = "After restart" }),
        };
        request.Headers.Add("X-Coffer-Antiforgery", antiforgery);
        Assert.Equal(HttpStatusCode.Created, (await again.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task SessionCookie_OnAServerWithOtherKeys_IsNotAccepted()
    {
        var cookies = new CookieContainer();
        using (var first = new CofferApp(_dataDir))
        using (var browser = new WebSession(first, cookies))
            await browser.SignedUpAsync("elsewhere@example.com");

        using var other = new CofferApp(); // a fresh data directory: other keys, no such account
        using var stranger = new WebSession(other, cookies);

        WebSession.AssertRedirect(await stranger.Client.GetAsync("/files"), "/signin?returnUrl=%2Ffiles");
    }
}
