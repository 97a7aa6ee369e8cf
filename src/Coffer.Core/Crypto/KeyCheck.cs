using System.Security.Cryptography;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Crypto;

/// <summary>
/// Start-up check that every key the stored blobs need is present and is the right one (it
/// unwraps a data key recorded for it), so a missing or wrong key stops the server with a
/// message naming it instead of failing downloads later.
/// </summary>
public sealed partial class KeyCheck(CofferDb db, KeyVaultHolder keys, IOptions<EncryptionOptions> options, ILogger<KeyCheck> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var inUse = await db.Blobs.Where(b => b.KeyId != null).GroupBy(b => b.KeyId!)
            .Select(g => new { KeyId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var secrets = await SealedSecrets.UsageAsync(db, cancellationToken);
        var vault = keys.Load(storedFilesNeedKeys: inUse.Count > 0 || secrets.Count > 0);
        foreach (var key in inUse)
        {
            if (!vault.KeyIds.Contains(key.KeyId))
                throw new StartupException($"The encryption key '{key.KeyId}' is needed to read {key.Count} stored file(s) but is not configured " +
                    $"({Where()}). Restore it from your backup.");
            var sample = await db.Blobs.Where(b => b.KeyId == key.KeyId).Select(b => new { b.Id, b.WrappedKey }).FirstAsync(cancellationToken);
            try
            {
                CryptographicOperations.ZeroMemory(await vault.UnwrapAsync(key.KeyId, sample.WrappedKey ?? [], sample.Id.ToByteArray(), cancellationToken));
            }
            catch (CryptographicException)
            {
                throw new StartupException($"The encryption key '{key.KeyId}' ({Where()}) is not the key the stored files were encrypted with. " +
                    "Restore the right key file or value from your backup.");
            }
        }
        foreach (var keyId in secrets.Keys.Where(id => !vault.KeyIds.Contains(id)))
            throw new StartupException($"The encryption key '{keyId}' is needed to open the server's link-signing and session keys but is not configured " +
                $"({Where()}). Restore it from your backup.");
        var sealedCount = inUse.Sum(k => k.Count);
        if (options.Value.Enabled)
            LogEncryptionOn(vault.ActiveKeyId ?? "(none)", sealedCount);
        else
            LogEncryptionOff();
    }

    private string Where() => options.Value.KeyProvider == KeySource.Environment ? "Coffer:Encryption:Keys" : "Coffer:Encryption:KeyDirectory";

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption at rest is on: new files are sealed with key {KeyId}; {Count} stored file(s) are encrypted")]
    private partial void LogEncryptionOn(string keyId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encryption at rest is OFF (Coffer:Encryption:Enabled=false): new files are stored as plaintext")]
    private partial void LogEncryptionOff();
}
