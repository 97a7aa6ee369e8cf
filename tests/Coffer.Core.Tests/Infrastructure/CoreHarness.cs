using Coffer.Core.Accounts;
using Coffer.Core.Crypto;
using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Coffer.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Coffer.Core.Tests.Infrastructure;

/// <summary>
/// Coffer.Core composed as the server composes it (<see cref="CoreServices"/>), over a real SQLite
/// file, a real local blob store and a <see cref="FakeTimeProvider"/>, all in a temporary folder
/// that is removed on dispose. Each <see cref="Scope"/> is one "request": its own DbContext.
/// </summary>
public sealed class CoreHarness : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly ServiceProvider _services;
    private readonly DbContextOptions<SqliteCofferDb> _dbOptions;
    private int _users;

    private CoreHarness(string root, ServiceProvider services, FakeTimeProvider clock, string connectionString,
        DbContextOptions<SqliteCofferDb> dbOptions)
    {
        Root = root;
        _services = services;
        Clock = clock;
        ConnectionString = connectionString;
        _dbOptions = dbOptions;
    }

    /// <summary>The data directory: <c>coffer.db</c>, <c>blobs/</c> and <c>keys/</c>.</summary>
    public string Root { get; }

    public string BlobRoot => Path.Combine(Root, "blobs");

    public FakeTimeProvider Clock { get; }

    public string DatabasePath => Path.Combine(Root, "coffer.db");

    public string ConnectionString { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="encryption">Changes to the encryption settings (by default on, with a key file made on first use).</param>
    /// <param name="configure">Last changes to the services (to wrap the blob store, say).</param>
    public static async Task<CoreHarness> StartAsync(
        long maxUploadBytes = 0, RegistrationMode registration = RegistrationMode.Open, Action<EncryptionOptions>? encryption = null,
        Action<IServiceCollection>? configure = null)
    {
        var root = Directory.CreateTempSubdirectory("coffer-core-tests-").FullName;
        // No pooling: when the harness is disposed nothing holds the file open.
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(root, "coffer.db"), Pooling = false }.ToString();
        var dbOptions = new DbContextOptionsBuilder<SqliteCofferDb>().UseSqlite(connectionString).Options;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddSingleton<IContentTypeMap, TestContentTypes>()
            .AddScoped<CofferDb>(_ => new SqliteCofferDb(dbOptions))
            .Configure<DataDirOptions>(o => o.DataDir = root)
            .Configure<AccountOptions>(o => o.Registration = registration)
            .Configure<LimitsOptions>(o => o.MaxUploadBytes = maxUploadBytes)
            .Configure<EncryptionOptions>(o => encryption?.Invoke(o))
            .AddCofferCore()
            .AddSingleton(new DownloadLinks.SigningKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))) // the server loads it from the database
            .AddLocalBlobStore();
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var harness = new CoreHarness(root, provider, clock, connectionString, dbOptions);
        try
        {
            await using var db = new SqliteCofferDb(dbOptions);
            await db.Database.MigrateAsync(Ct);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public Session Scope() => new(_services.CreateAsyncScope());

    /// <summary>A context outside any service, to look at the rows as they are on disk.</summary>
    public SqliteCofferDb OpenDb() => new(_dbOptions);

    public async Task<User> RegisterAsync(string? email = null)
    {
        await using var s = Scope();
        return await s.Accounts.RegisterAsync(email ?? $"user{Interlocked.Increment(ref _users)}@example.com", Password, null, Ct);
    }

    public async Task<UploadResult> UploadAsync(
        Guid userId, string name, byte[] content, string folderId = ItemLookup.RootId, ConflictMode conflict = ConflictMode.Fail)
    {
        await using var s = Scope();
        using var source = new MemoryStream(content, writable: false);
        return await s.Drive.UploadAsync(userId, folderId, name, source, content.Length, conflict, Ct);
    }

    public async Task<Item> CreateFolderAsync(Guid userId, string name, string parentId = ItemLookup.RootId)
    {
        await using var s = Scope();
        return await s.Drive.CreateFolderAsync(userId, parentId, name, Ct);
    }

    public async Task<Item> GetAsync(Guid userId, string id)
    {
        await using var s = Scope();
        return await s.Lookup.GetAsync(userId, id, Ct);
    }

    public async Task<byte[]> DownloadAsync(Guid userId, string id)
    {
        await using var s = Scope();
        var file = await s.Drive.OpenAsync(userId, id, Ct);
        await using var content = file.Content;
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    /// <summary>Every file under the blob directory, ".partial" ones included.</summary>
    public IReadOnlyList<string> BlobFiles() =>
        Directory.Exists(BlobRoot) ? Directory.GetFiles(BlobRoot, "*", SearchOption.AllDirectories) : [];

    public async Task<IReadOnlyList<string>> BlobKeysOfAsync(Guid itemId)
    {
        await using var db = OpenDb();
        return await db.FileVersions.Where(v => v.ItemId == itemId).Select(v => v.Blob.StoreKey).ToListAsync(Ct);
    }

    public string BlobPath(string storeKey) => Path.Combine(BlobRoot, storeKey);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(Root, recursive: true);
    }

    public static byte[] RandomBytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256Hex(byte[] bytes) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}

/// <summary>One unit of work: the scoped services of one request.</summary>
public sealed class Session(AsyncServiceScope scope) : IAsyncDisposable
{
    public DriveService Drive => Get<DriveService>();
    public ItemLookup Lookup => Get<ItemLookup>();
    public AccountService Accounts => Get<AccountService>();
    public AccessTokenService Tokens => Get<AccessTokenService>();
    public DownloadLinks Links => Get<DownloadLinks>();
    public CofferDb Db => Get<CofferDb>();

    public T Get<T>() where T : notnull => scope.ServiceProvider.GetRequiredService<T>();

    public ValueTask DisposeAsync() => scope.DisposeAsync();
}
