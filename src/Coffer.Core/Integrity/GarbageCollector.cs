using System.Data.Common;
using Coffer.Core.Blobs;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Integrity;

/// <summary>What one garbage collection removed.</summary>
public sealed record GcReport(int Rows, int Objects, int BackupCopies);

/// <summary>
/// Removes what nothing refers to any more, once it is older than the grace period
/// (<see cref="GcOptions"/>): blob rows no file version, thumbnail or direct upload uses (left by
/// crashes, or by deletes that could not finish), store objects no row, upload in flight or direct
/// upload names (an upload cut off after its bytes were stored), and backup copies of blobs that
/// are gone. Each row is deleted by one conditional statement that checks again that nothing uses
/// it, and its object only after that commits; listings are streamed and looked up in batches, so
/// memory stays flat however many objects the store holds.
/// </summary>
public sealed partial class GarbageCollector(
    CofferDb db, IBlobStore store, IOptions<GcOptions> options, TimeProvider clock, ILogger<GarbageCollector> logger, BackupStore? backup = null)
{
    internal const int BatchSize = 500;

    public async Task<GcReport> CollectAsync(Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cutoff = now - options.Value.Grace;
        var rows = await DeleteUnreferencedRowsAsync(now, cutoff, renewLease, cancellationToken);
        var objects = await DeleteOrphansAsync(store, cutoff, renewLease, cancellationToken);
        var copies = backup is null ? 0 : await DeleteOrphansAsync(backup.Store, cutoff, renewLease, cancellationToken);
        return new GcReport(rows, objects, copies);
    }

    /// <summary>
    /// Blob rows nothing uses, written before <paramref name="cutoff"/>. "Uses" is every reference
    /// there is: a file version (trashed files' included), a thumbnail, a direct upload, and an
    /// upload in flight that names the object.
    /// </summary>
    private IQueryable<Blob> Unreferenced(DateTimeOffset now, DateTimeOffset cutoff) =>
        db.Blobs.Where(b => b.Created < cutoff
            && !db.FileVersions.Any(v => v.BlobId == b.Id)
            && !db.Thumbnails.Any(t => t.BlobId == b.Id)
            && !db.DirectUploads.Any(d => d.BlobId == b.Id || d.StoreKey == b.StoreKey)
            && !db.UploadReservations.Any(r => r.StoreKey == b.StoreKey && r.Expires > now));

    private async Task<int> DeleteUnreferencedRowsAsync(DateTimeOffset now, DateTimeOffset cutoff, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var deleted = 0;
        Guid? after = null;
        while (true)
        {
            var candidates = Unreferenced(now, cutoff);
            if (after is { } last)
                candidates = candidates.Where(b => b.Id.CompareTo(last) > 0); // rows that stayed (used again meanwhile) are not looked at twice
            var batch = await candidates.OrderBy(b => b.Id).Select(b => new { b.Id, b.StoreKey }).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return deleted;
            foreach (var blob in batch)
            {
                if (!await DeleteRowAsync(blob.Id, now, cutoff, cancellationToken))
                    continue;
                deleted++;
                await store.DeleteAsync(blob.StoreKey, cancellationToken);
                if (backup is not null)
                    await backup.Store.DeleteAsync(blob.StoreKey, cancellationToken);
                LogRowRemoved(blob.StoreKey);
            }
            after = batch[^1].Id;
            await renewLease();
        }
    }

    /// <summary>
    /// Deletes the row only if, at that moment and under the write lock, nothing uses it; a
    /// reference made meanwhile (a version restored onto this blob) keeps it. The database's
    /// foreign keys are the last word: a delete they refuse is a row that is used after all.
    /// </summary>
    private async Task<bool> DeleteRowAsync(Guid id, DateTimeOffset now, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        try
        {
            await using var transaction = await db.BeginWriteAsync(cancellationToken);
            var removed = await Unreferenced(now, cutoff).Where(b => b.Id == id).ExecuteDeleteAsync(cancellationToken);
            if (removed == 1)
                await db.IntegrityFindings.Where(f => f.BlobId == id).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return removed == 1;
        }
        catch (Exception ex) when (ex is DbUpdateException or DbException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Streams a store's listing and deletes the objects older than <paramref name="cutoff"/> that nothing names.</summary>
    private async Task<int> DeleteOrphansAsync(IBlobStore target, DateTimeOffset cutoff, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var batch = new List<string>(BatchSize);
        await foreach (var stored in target.ListAsync("", cancellationToken))
        {
            if (stored.LastModified >= cutoff)
                continue;
            batch.Add(stored.Key);
            if (batch.Count < BatchSize)
                continue;
            deleted += await DeleteUnnamedAsync(target, batch, cancellationToken);
            batch.Clear();
            await renewLease();
        }
        if (batch.Count > 0)
            deleted += await DeleteUnnamedAsync(target, batch, cancellationToken);
        return deleted;
    }

    private async Task<int> DeleteUnnamedAsync(IBlobStore target, List<string> keys, CancellationToken cancellationToken)
    {
        var orphans = await UnnamedAsync(db, keys, clock.GetUtcNow(), cancellationToken);
        foreach (var key in orphans)
        {
            await target.DeleteAsync(key, cancellationToken);
            LogObjectRemoved(key, target == store ? "primary" : "backup");
        }
        if (target == store && orphans.Count > 0)
        {
            await db.IntegrityFindings.Where(f => f.Problem == IntegrityProblem.Orphan && orphans.Contains(f.StoreKey))
                .ExecuteDeleteAsync(cancellationToken);
        }
        return orphans.Count;
    }

    /// <summary>
    /// The keys among <paramref name="keys"/> that nothing names: no blob row, no live upload
    /// reservation (an upload writing that object right now), no direct upload.
    /// </summary>
    internal static async Task<List<string>> UnnamedAsync(CofferDb db, IReadOnlyCollection<string> keys, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Uploads in flight first, blob rows last: a commit turns the one into the other in one
        // transaction, so whichever side of it these reads fall on, they see the key named.
        var named = new HashSet<string>(StringComparer.Ordinal);
        named.UnionWith(await db.UploadReservations.Where(r => r.StoreKey != null && keys.Contains(r.StoreKey) && r.Expires > now)
            .Select(r => r.StoreKey!).ToListAsync(cancellationToken));
        named.UnionWith(await db.DirectUploads.Where(d => keys.Contains(d.StoreKey)).Select(d => d.StoreKey).ToListAsync(cancellationToken));
        named.UnionWith(await db.Blobs.Where(b => keys.Contains(b.StoreKey)).Select(b => b.StoreKey).ToListAsync(cancellationToken));
        return keys.Where(k => !named.Contains(k)).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Garbage collection removed the unused blob {BlobKey}")]
    private partial void LogRowRemoved(string blobKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Garbage collection removed the orphan object {BlobKey} from the {Store} store")]
    private partial void LogObjectRemoved(string blobKey, string store);
}
