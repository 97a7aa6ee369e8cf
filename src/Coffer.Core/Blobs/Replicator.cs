using System.Security.Cryptography;
using Coffer.Core.Crypto;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Coffer.Core.Blobs;

/// <summary>The second store every blob is copied to (<c>Coffer:Backup</c>), when one is configured; owns it.</summary>
public sealed record BackupStore(IBlobStore Store) : IDisposable
{
    public void Dispose() => (Store as IDisposable)?.Dispose();
}

/// <summary>What a replication or restore pass did.</summary>
public sealed record ReplicationReport(int Copied, int Failed, int Remaining);

/// <summary>
/// Copies blobs to the backup store exactly as stored (sealed blobs stay sealed), driven by the
/// database: a blob counts as replicated only after the copy was read back and matched the
/// original in size and SHA-256. A failed copy is retried later, each time after a longer wait,
/// so a backup store that is down costs one attempt per turn rather than a storm.
/// </summary>
public sealed partial class Replicator(
    CofferDb db, IBlobStore primary, BackupStore backup, ReplicationMetrics metrics, TimeProvider clock, ILogger<Replicator> logger)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);

    /// <summary>Blobs waiting for a verified copy (for status and metrics).</summary>
    public Task<int> PendingAsync(CancellationToken cancellationToken) =>
        db.Blobs.CountAsync(b => b.ReplicatedAt == null, cancellationToken);

    /// <summary>
    /// Copies up to <paramref name="max"/> due blobs, oldest first. Stops at the first failure:
    /// when the backup store is down, the rest would fail the same way.
    /// </summary>
    public async Task<ReplicationReport> ReplicateDueAsync(int max, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var due = await db.Blobs.AsNoTracking()
            .Where(b => b.ReplicatedAt == null && (b.ReplicationDue == null || b.ReplicationDue <= now))
            .OrderBy(b => b.Created)
            .Take(max)
            .ToListAsync(cancellationToken);
        var copied = 0;
        var failed = 0;
        foreach (var blob in due)
        {
            await renewLease();
            try
            {
                await CopyVerifiedAsync(primary, backup.Store, blob.StoreKey, StoredLength(blob), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed++;
                var attempts = blob.ReplicationAttempts + 1;
                var retryAt = clock.GetUtcNow() + Backoff(attempts);
                await ThisObject(blob).ExecuteUpdateAsync(set => set
                    .SetProperty(b => b.ReplicationAttempts, attempts)
                    .SetProperty(b => b.ReplicationDue, retryAt), cancellationToken);
                LogCopyFailed(ex, blob.StoreKey, attempts, retryAt);
                break;
            }
            if (await MarkReplicatedAsync(blob, cancellationToken))
                copied++;
        }
        metrics.Copied(copied);
        metrics.Failed(failed);
        var pending = await PendingAsync(cancellationToken);
        var oldest = await db.Blobs.Where(b => b.ReplicatedAt == null).OrderBy(b => b.Created).Select(b => (DateTimeOffset?)b.Created)
            .FirstOrDefaultAsync(cancellationToken);
        metrics.Observed(pending, oldest is { } created ? clock.GetUtcNow() - created : TimeSpan.Zero);
        return new ReplicationReport(copied, failed, pending);
    }

    /// <summary>
    /// Copies back from the backup every blob the primary store lacks (a lost disk, a deleted
    /// bucket); each copy is verified the same way. Blobs the backup lacks too are counted as failed.
    /// </summary>
    public async Task<ReplicationReport> RestoreMissingAsync(CancellationToken cancellationToken)
    {
        var copied = 0;
        var failed = 0;
        var blobs = await db.Blobs.AsNoTracking().OrderBy(b => b.Created).ToListAsync(cancellationToken);
        foreach (var blob in blobs)
        {
            if (await primary.ExistsAsync(blob.StoreKey, cancellationToken))
                continue;
            try
            {
                await CopyVerifiedAsync(backup.Store, primary, blob.StoreKey, StoredLength(blob), cancellationToken);
                copied++;
            }
            catch (Exception ex) when (ex is BlobNotFoundException or BlobIntegrityException)
            {
                failed++;
                LogRestoreFailed(ex, blob.StoreKey);
            }
        }
        return new ReplicationReport(copied, failed, 0);
    }

    /// <summary>
    /// Streams <paramref name="key"/> from one store to the other, then reads the copy back and
    /// compares it with what was read (SHA-256) and with the size the metadata records, so a
    /// damaged or cut original is not passed off as a good copy.
    /// </summary>
    public static async Task CopyVerifiedAsync(IBlobStore from, IBlobStore to, string key, long expectedSize, CancellationToken cancellationToken)
    {
        byte[] written;
        long size;
        await to.DeleteAsync(key, cancellationToken); // what an earlier, failed attempt may have left
        await using (var source = await from.OpenReadAsync(key, cancellationToken))
        {
            await using var writer = await to.BeginWriteAsync(key, cancellationToken);
            (size, written) = await BlobPipeline.CopyHashingAsync(source, writer.WriteAsync, cancellationToken);
            await writer.CompleteAsync(cancellationToken);
        }
        await using var copy = await to.OpenReadAsync(key, cancellationToken);
        var (copySize, copyHash) = await BlobPipeline.CopyHashingAsync(copy, null, cancellationToken);
        if (size != expectedSize)
            throw new BlobIntegrityException($"the original holds {size} bytes, not the {expectedSize} recorded; it was not copied as good", key);
        if (copySize != size || !CryptographicOperations.FixedTimeEquals(copyHash, written))
            throw new BlobIntegrityException($"the copy reads back as {copySize} bytes with another checksum, not the {size} bytes written", key);
    }

    /// <summary>
    /// Marks the copy, only if the row still names the object that was copied: a blob deleted
    /// meanwhile is simply gone, and one re-sealed into a new object meanwhile stays to do.
    /// </summary>
    private async Task<bool> MarkReplicatedAsync(Blob blob, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var marked = await ThisObject(blob).ExecuteUpdateAsync(set => set
            .SetProperty(b => b.ReplicatedAt, now)
            .SetProperty(b => b.ReplicationAttempts, 0)
            .SetProperty(b => b.ReplicationDue, (DateTimeOffset?)null), cancellationToken);
        if (marked == 0)
            return false;
        await ShowReplicatedAsync(db, blob.Id, true, cancellationToken);
        return true;
    }

    /// <summary>Copies a blob's replication state to the items whose current content it is (what the API shows).</summary>
    internal static Task ShowReplicatedAsync(CofferDb db, Guid blobId, bool replicated, CancellationToken cancellationToken)
    {
        var versions = db.FileVersions.Where(v => v.BlobId == blobId).Select(v => v.Id);
        return db.Items.Where(i => i.CurrentVersionId != null && versions.Contains(i.CurrentVersionId.Value))
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.Replicated, replicated), cancellationToken);
    }

    private IQueryable<Blob> ThisObject(Blob blob) => db.Blobs.Where(b => b.Id == blob.Id && b.StoreKey == blob.StoreKey);

    /// <summary>How many bytes the blob takes in a store: its content, plus the seal's header and tags when sealed.</summary>
    internal static long StoredLength(Blob blob) =>
        blob.KeyId is null ? blob.Size : SealedFormat.StoredLength(blob.Size, 1 << SealedFormat.DefaultSegmentLog2);

    private static TimeSpan Backoff(int attempts)
    {
        var wait = FirstRetry * Math.Pow(2, Math.Min(attempts - 1, 16));
        return wait < LongestRetry ? wait : LongestRetry;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copying blob {BlobKey} to the backup store failed (attempt {Attempts}); next try after {Due}")]
    private partial void LogCopyFailed(Exception exception, string blobKey, int attempts, DateTimeOffset due);

    [LoggerMessage(Level = LogLevel.Error, Message = "Blob {BlobKey} could not be restored from the backup store")]
    private partial void LogRestoreFailed(Exception exception, string blobKey);
}
