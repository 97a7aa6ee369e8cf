using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Coffer.Server.Tests.Infrastructure;

/// <summary>
/// A whole Coffer server with embedded defaults (SQLite + local disk) in a fresh temporary data
/// directory, a controllable clock, and optional configuration overrides.
/// </summary>
public class CofferApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDataDir;
    private int _users;

    public CofferApp(params (string Key, string? Value)[] settings)
        : this(null, settings)
    {
    }

    /// <summary>
    /// A server over <paramref name="dataDir"/> when given (say, a second server over the first one's data,
    /// as after a restart); the caller then owns that directory and deletes it. Otherwise a fresh temporary one, deleted on dispose.
    /// </summary>
    public CofferApp(string? dataDir, params (string Key, string? Value)[] settings)
    {
        _settings = settings.ToDictionary(s => s.Key, s => s.Value);
        _ownsDataDir = dataDir is null;
        DataDir = dataDir ?? Directory.CreateTempSubdirectory("coffer-test-").FullName;
    }

    public string DataDir { get; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public string BlobDir => Path.Combine(DataDir, "blobs");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Coffer:DataDir", DataDir);
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
        builder.ConfigureLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Error)); // the test server has no request size limits to lift
    }

    /// <summary>Registers a new user and signs them in with a personal access token.</summary>
    public async Task<TestUser> NewUserAsync(string? email = null)
    {
        email ??= $"user{Interlocked.Increment(ref _users)}@example.com";
        return await TestUser.RegisterAsync(CreateStreamingClient(), email, TestUser.DefaultPassword);
    }

    /// <summary>
    /// A client without the factory's redirect handler, which copies every request body into
    /// memory in case it must resend it; over a real socket when the app runs on Kestrel.
    /// </summary>
    public HttpClient CreateStreamingClient()
    {
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var options = new WebApplicationFactoryClientOptions { AllowAutoRedirect = false };
        if (addresses?.FirstOrDefault() is { } address)
            options.BaseAddress = new Uri(address);
        var client = CreateClient(options);
        client.Timeout = TimeSpan.FromMinutes(10); // multi-GB transfers on a busy 2-core machine
        return client;
    }

    /// <summary>Every file under the blob directory, partial ones included.</summary>
    public IReadOnlyList<string> BlobFiles() =>
        Directory.Exists(BlobDir) ? Directory.GetFiles(BlobDir, "*", SearchOption.AllDirectories) : [];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // SQLite may still hold the file for a moment on some systems; the temp dir is throwaway.
            }
        }
    }
}
