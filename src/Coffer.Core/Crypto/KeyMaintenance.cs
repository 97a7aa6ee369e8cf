using System.Security.Cryptography;
using Coffer.Core.Blobs;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Coffer.Core.Crypto;

/// <summary>
/// Key rotation and catch-up work, all resumable: each step commits in small batches and picks
/// up where an interrupted run stopped, because it selects only the blobs still to do.
/// </summary>
public sealed partial class KeyMaintenance(CofferDb db, IKeyVault vault, IBlobStore store, BlobPipeline pipeline, ILogger<KeyMaintenance> logger)
{
    private const int BatchSize = 200;

    /// <summary>
    /// Re-wraps every data key that is not under the active KEK with the active one. Content is not
    /// touched: a few bytes per blob change, in the database only. A row that cannot be re-wrapped
    /// (a damaged wrapped key, a missing KEK) is skipped and counted, not allowed to block the rest.
    /// </summary>
    public async Task<MaintenanceResult> RewrapAsync(CancellationToken cancellationToken)
    {
        var active = vault.ActiveKeyId ?? throw new InvalidOperationException("No encryption key is active.");
        var done = 0;
        var skipped = new List<Guid>(); // rows that failed stay out of later batches
        while (true)
        {
            var batch = await db.Blobs.Where(b => b.KeyId != null && b.KeyId != active && !skipped.Contains(b.Id))
                .OrderBy(b => b.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                var secrets = await SealedSecrets.RewrapAsync(db, vault, active, cancellationToken);
                LogSecretsRewrapped(secrets);
                return new MaintenanceResult(done, skipped.Count);
            }
            foreach (var blob in batch)
            {
                var context = blob.Id.ToByteArray();
                byte[]? dataKey = null;
                try
                {
                    dataKey = await vault.UnwrapAsync(blob.KeyId!, blob.WrappedKey ?? [], context, cancellationToken);
                    blob.WrappedKey = await vault.WrapAsync(active, dataKey, context, cancellationToken);
                    blob.KeyId = active;
                    done++;
                }
                catch (Exception ex) when (ex is CryptographicException or MissingKeyException)
                {
                    skipped.Add(blob.Id);
                    LogSkipped(ex, blob.Id, blob.StoreKey);
                }
                finally
                {
                    if (dataKey is not null)
                        CryptographicOperations.ZeroMemory(dataKey);
                }
            }
            await SaveIgnoringVanishedAsync(cancellationToken);
            LogProgress("re-wrapped", done);
        }
    }

    /// <summary>
    /// Encrypts blobs stored before encryption was on: each is read, sealed into a new object whose
    /// size and SHA-256 must match what was recorded at upload (so a plaintext object altered in
    /// storage is not given a seal), the row switched over, and the plaintext object deleted.
    /// </summary>
    public async Task<MaintenanceResult> SealPlaintextAsync(CancellationToken cancellationToken)
    {
        var done = 0;
        var skipped = new List<Guid>();
        while (true)
        {
            var batch = await db.Blobs.Where(b => b.KeyId == null && !skipped.Contains(b.Id))
                .OrderBy(b => b.Id).Take(BatchSize / 10).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return new MaintenanceResult(done, skipped.Count);
            foreach (var blob in batch)
            {
                if (await SealOneAsync(blob, cancellationToken))
                    done++;
                else
                    skipped.Add(blob.Id);
            }
            db.ChangeTracker.Clear();
            LogProgress("sealed", done);
        }
    }

    private async Task<bool> SealOneAsync(Blob blob, CancellationToken cancellationToken)
    {
        var plainKey = blob.StoreKey;
        StoredBlob? sealedCopy = null;
        try
        {
            await using (var plain = await store.OpenReadAsync(plainKey, cancellationToken))
                sealedCopy = await pipeline.StoreAsync(BlobKey.OwnerOf(plainKey), plain, maxBytes: 0, cancellationToken, blob.Id);
            if (sealedCopy.KeyId is null)
                throw new StartupException("Encryption is off (Coffer:Encryption:Enabled=false): nothing can be sealed.");
            var recorded = await db.FileVersions.Where(v => v.BlobId == blob.Id).Select(v => v.Sha256).FirstOrDefaultAsync(cancellationToken);
            if (sealedCopy.Size != blob.Size || (recorded is not null && recorded != sealedCopy.Sha256))
                throw new BlobIntegrityException("its plaintext no longer matches the size and SHA-256 recorded at upload; it was not sealed", plainKey);

            blob.StoreKey = sealedCopy.Key;
            blob.KeyId = sealedCopy.KeyId;
            blob.WrappedKey = sealedCopy.WrappedKey;
            blob.ReplicatedAt = null; // the sealed object is new: the backup needs it too
            blob.ReplicationDue = null;
            blob.ReplicationAttempts = 0;
            blob.StorageClass = null; // written to the store's default class; a lifecycle rule moves it again
            await db.SaveChangesAsync(cancellationToken); // the row points at the sealed copy before the plaintext goes
            await Replicator.ShowReplicatedAsync(db, blob.Id, false, cancellationToken);
            sealedCopy = null;
            await store.DeleteAsync(plainKey, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is BlobIntegrityException or BlobNotFoundException or DbUpdateConcurrencyException or IOException)
        {
            LogSkipped(ex, blob.Id, plainKey); // replaced or deleted meanwhile, missing, or altered: the rest goes on
            db.ChangeTracker.Clear();
            return false;
        }
        finally
        {
            if (sealedCopy is not null)
                await store.DeleteAsync(sealedCopy.Key, CancellationToken.None); // not committed: leave nothing behind
        }
    }

    /// <summary>Saves a batch; rows deleted meanwhile (their files were deleted) are simply gone.</summary>
    private async Task SaveIgnoringVanishedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException ex)
        {
            foreach (var entry in ex.Entries)
                entry.State = EntityState.Detached;
            await db.SaveChangesAsync(cancellationToken);
        }
        db.ChangeTracker.Clear();
    }

    /// <summary>How many blobs each KEK protects (and how many are plaintext, under the empty id).</summary>
    public async Task<IReadOnlyDictionary<string, int>> UsageAsync(CancellationToken cancellationToken) =>
        await db.Blobs.GroupBy(b => b.KeyId ?? "").Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

    /// <summary>How many server secrets (link-signing and session keys) each KEK wraps.</summary>
    public Task<Dictionary<string, int>> SecretsUsageAsync(CancellationToken cancellationToken) => SealedSecrets.UsageAsync(db, cancellationToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "Encryption maintenance skipped blob {BlobId} ({StoreKey})")]
    private partial void LogSkipped(Exception exception, Guid blobId, string storeKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption maintenance: re-wrapped {Count} server secret(s) (link signing and session keys)")]
    private partial void LogSecretsRewrapped(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption maintenance: {Count} blob(s) {What} so far")]
    private partial void LogProgress(string what, int count);
}

/// <summary>How a maintenance run went: blobs done, and blobs skipped (each logged with its reason).</summary>
public sealed record MaintenanceResult(int Done, int Failed);
