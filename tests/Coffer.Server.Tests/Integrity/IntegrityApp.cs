using Coffer.Core.Blobs;
using Coffer.Core.Integrity;
using Coffer.Core.Persistence;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests.Integrity;

/// <summary>Drives garbage collection and the scrub of a test server directly, and reaches into its store and database.</summary>
internal static class IntegrityApp
{
    /// <summary>The jobs stay off unless a test turns them on: each test runs collection and scrubs itself, at the moments it chooses.</summary>
    public static (string, string?)[] Quiet(params (string Key, string? Value)[] settings) =>
        [("Coffer:Gc:IntervalHours", "0"), ("Coffer:Scrub:IntervalHours", "0"), .. settings];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The store stamps objects with the real time, rows get the test clock's: bring the test
    /// clock up to the real one so that "older than the grace period" means the same for both.
    /// </summary>
    public static void CatchUpWithTheStore(this CofferApp app)
    {
        var behind = DateTimeOffset.UtcNow - app.Clock.GetUtcNow();
        if (behind > TimeSpan.Zero)
            app.Clock.Advance(behind + TimeSpan.FromSeconds(1));
    }

    public static async Task<GcReport> CollectAsync(this CofferApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GarbageCollector>().CollectAsync(() => Task.CompletedTask, Ct);
    }

    public static async Task<ScrubReport> ScrubAsync(this CofferApp app, bool repair = false, long maxBytes = 0)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Scrubber>().ScrubAsync(maxBytes, repair, () => Task.CompletedTask, Ct);
    }

    public static async Task<T> WithDbAsync<T>(this CofferApp app, Func<CofferDb, Task<T>> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CofferDb>());
    }

    public static Task<List<IntegrityFinding>> FindingsAsync(this CofferApp app) =>
        app.WithDbAsync(db => db.IntegrityFindings.AsNoTracking().OrderBy(f => f.StoreKey).ToListAsync(Ct));

    /// <summary>The blob row behind a file's current content.</summary>
    public static Task<Blob> BlobOfAsync(this CofferApp app, string itemId) =>
        app.WithDbAsync(db => db.Items.Where(i => i.Id == Guid.Parse(itemId))
            .Join(db.FileVersions, i => i.CurrentVersionId, v => v.Id, (i, v) => v.Blob).AsNoTracking().SingleAsync(Ct));

    /// <summary>The entry of <see cref="CofferApp.StoredBlobs"/> that holds a store key.</summary>
    public static string EntryOf(this CofferApp app, string storeKey) => app.StoredBlobs().Single(e => e.EndsWith(storeKey, StringComparison.Ordinal));

    /// <summary>Writes an object straight into the server's store, as a crash after the bytes but before the metadata would leave it.</summary>
    public static async Task<string> WriteObjectAsync(this CofferApp app, Guid ownerId, byte[] content)
    {
        var key = BlobKey.For(ownerId, Guid.CreateVersion7());
        var store = app.Services.GetRequiredService<IBlobStore>();
        await using var writer = await store.BeginWriteAsync(key, Ct);
        await writer.WriteAsync(content, Ct);
        await writer.CompleteAsync(Ct);
        return key;
    }

    public static Task<bool> ExistsAsync(this CofferApp app, string key) =>
        app.Services.GetRequiredService<IBlobStore>().ExistsAsync(key, Ct);

    /// <summary>Stores content through the pipeline and gives it a blob row that nothing uses (as an interrupted delete leaves).</summary>
    public static async Task<Blob> UnusedBlobAsync(this CofferApp app, Guid ownerId, byte[] content)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<BlobPipeline>().StoreAsync(ownerId, new MemoryStream(content), 0, Ct);
        var blob = new Blob
        {
            Id = stored.Id,
            StoreKey = stored.Key,
            Size = stored.Size,
            KeyId = stored.KeyId,
            WrappedKey = stored.WrappedKey,
            Created = app.Clock.GetUtcNow(),
        };
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        db.Blobs.Add(blob);
        await db.SaveChangesAsync(Ct);
        return blob;
    }
}
