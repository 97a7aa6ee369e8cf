using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Coffer.Server.Tests.Infrastructure;

/// <summary>
/// A whole Coffer server on the suite's stack (<see cref="TestStack"/>: embedded SQLite + local
/// disk, or PostgreSQL + S3) with a fresh temporary data directory, a controllable clock, and
/// optional configuration overrides.
/// </summary>
public class CofferApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDataDir;
    private int _users;

    public CofferApp(params (string Key, string? Value)[] settings)
        : this(TestStack.Current, null, settings)
    {
    }

    public CofferApp(string? dataDir, params (string Key, string? Value)[] settings)
        : this(TestStack.Current, dataDir, settings)
    {
    }

    /// <summary>
    /// A server over <paramref name="dataDir"/> when given (say, a second server over the first one's data,
    /// as after a restart); the caller then owns that directory and deletes it. Otherwise a fresh temporary one, deleted on dispose.
    /// </summary>
    /// <remarks>A test about one stack's own files (the SQLite file, the blob directory) names it with <paramref name="stack"/>.</remarks>
    public CofferApp(StackKind stack, string? dataDir, params (string Key, string? Value)[] settings)
    {
        _ownsDataDir = dataDir is null;
        DataDir = dataDir ?? Directory.CreateTempSubdirectory("coffer-test-").FullName;
        Stack = stack;
        _settings = TestStack.SettingsFor(stack, DataDir).ToDictionary(s => s.Key, s => s.Value);
        foreach (var (key, value) in settings)
            _settings[key] = value;
        if (_settings.GetValueOrDefault("Coffer:Encryption:KeyProvider") == "Environment")
            _settings.Remove(TestStack.KeyDirectorySetting);
    }

    public string DataDir { get; }

    public StackKind Stack { get; }

    /// <summary>A setting this server runs with (its stack's, then the test's); for a second instance sharing them.</summary>
    public string? Setting(string key) => _settings.GetValueOrDefault(key);

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

    /// <summary>
    /// What the blob store holds for this server, unfinished writes included: file paths under the
    /// blob directory (".partial" ones too), or the bucket's keys under this server's prefix
    /// ("upload:" before unfinished multipart uploads).
    /// </summary>
    public IReadOnlyList<string> StoredBlobs() => Stack == StackKind.Embedded
        ? Directory.Exists(BlobDir) ? Directory.GetFiles(BlobDir, "*", SearchOption.AllDirectories) : []
        : TestStack.ListAsync(TestStack.PrefixFor(DataDir)).GetAwaiter().GetResult();

    /// <summary>The bytes of one entry of <see cref="StoredBlobs"/>, as the store holds them.</summary>
    public byte[] ReadStoredBlob(string entry)
    {
        if (Stack == StackKind.Embedded)
            return File.ReadAllBytes(entry);
        using var s3 = TestStack.S3Client();
        using var response = s3.GetObjectAsync(TestStack.Bucket, entry).GetAwaiter().GetResult();
        using var bytes = new MemoryStream();
        response.ResponseStream.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>Overwrites one entry of <see cref="StoredBlobs"/> in the store (tests of damaged storage).</summary>
    public void ReplaceStoredBlob(string entry, byte[] bytes)
    {
        if (Stack == StackKind.Embedded)
        {
            File.WriteAllBytes(entry, bytes);
            return;
        }
        using var s3 = TestStack.S3Client();
        s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = TestStack.Bucket, Key = entry, InputStream = new MemoryStream(bytes) })
            .GetAwaiter().GetResult();
    }

    public void DeleteStoredBlob(string entry)
    {
        if (Stack == StackKind.Embedded)
        {
            File.Delete(entry);
            return;
        }
        using var s3 = TestStack.S3Client();
        s3.DeleteObjectAsync(TestStack.Bucket, entry).GetAwaiter().GetResult();
    }

    /// <summary>This server's settings as environment variables, for running the server's executable (a command) on the same data.</summary>
    public IEnumerable<(string Name, string Value)> ProcessEnvironment() =>
        _settings.Where(s => s.Value is not null).Select(s => (s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value!))
            .Append(("Coffer__DataDir", DataDir));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDataDir && Stack == StackKind.ScaleOut)
            TestStack.DeleteAsync(DataDir).GetAwaiter().GetResult();
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
