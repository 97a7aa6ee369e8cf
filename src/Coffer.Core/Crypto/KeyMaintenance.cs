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
    /// touched: a few bytes per blob change, in the database only. Returns how many were re-wrapped.
    /// </summary>
    public async Task<int> RewrapAsync(CancellationToken cancellationToken)
    {
        var active = vault.ActiveKeyId ?? throw new InvalidOperationException("No encryption key is active.");
        var done = 0;
        while (true)
        {
            var batch = await db.Blobs.Where(b => b.KeyId != null && b.KeyId != active).OrderBy(b => b.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return done;
            foreach (var blob in batch)
            {
                var context = blob.Id.ToByteArray();
                var dataKey = await vault.UnwrapAsync(blob.KeyId!, blob.WrappedKey ?? [], context, cancellationToken);
                try
                {
                    blob.WrappedKey = await vault.WrapAsync(active, dataKey, context, cancellationToken);
                    blob.KeyId = active;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(dataKey);
                }
            }
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            done += batch.Count;
            LogProgress("re-wrapped", done);
        }
    }

    /// <summary>
    /// Encrypts blobs stored before encryption was on: each is read, sealed into a new blob, the row
    /// switched over, and the plaintext copy deleted. Returns how many were sealed.
    /// </summary>
    public async Task<int> SealPlaintextAsync(CancellationToken cancellationToken)
    {
        var done = 0;
        while (true)
        {
            var batch = await db.Blobs.Where(b => b.KeyId == null).OrderBy(b => b.Id).Take(BatchSize / 10).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return done;
            foreach (var blob in batch)
            {
                var plainKey = blob.StoreKey;
                StoredBlob sealedCopy;
                await using (var plain = await store.OpenReadAsync(plainKey, cancellationToken))
                    sealedCopy = await pipeline.StoreAsync(BlobKey.OwnerOf(plainKey), plain, maxBytes: 0, cancellationToken, blob.Id);
                if (sealedCopy.KeyId is null)
                {
                    await store.DeleteAsync(sealedCopy.Key, cancellationToken);
                    throw new StartupException("Encryption is off (Coffer:Encryption:Enabled=false): nothing can be sealed.");
                }
                blob.StoreKey = sealedCopy.Key;
                blob.KeyId = sealedCopy.KeyId;
                blob.WrappedKey = sealedCopy.WrappedKey;
                await db.SaveChangesAsync(cancellationToken); // the row points at the sealed copy before the plaintext goes
                await store.DeleteAsync(plainKey, cancellationToken);
                done++;
            }
            db.ChangeTracker.Clear();
            LogProgress("sealed", done);
        }
    }

    /// <summary>How many blobs each KEK protects (and how many are plaintext, under the empty id).</summary>
    public async Task<IReadOnlyDictionary<string, int>> UsageAsync(CancellationToken cancellationToken) =>
        await db.Blobs.GroupBy(b => b.KeyId ?? "").Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption maintenance: {Count} blob(s) {What} so far")]
    private partial void LogProgress(string what, int count);
}
