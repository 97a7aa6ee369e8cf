using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Xml.Linq;
using Coffer.Core.Crypto;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Persistence;

/// <summary>
/// Secrets every instance must share, loaded from the database once at start-up (after the
/// schema is up to date) and created there on first run. Earlier versions kept them under
/// {DataDir}/keys; those files are imported once, so links and sessions survive the upgrade.
/// </summary>
/// <remarks>With encryption at rest on, they are wrapped with the active KEK (<see cref="SealedSecrets"/>); a key stored unwrapped is wrapped at the next start.</remarks>
public sealed class ServerKeys(TimeProvider clock, KeyVaultHolder keys, IOptions<EncryptionOptions> encryption)
{
    /// <summary>The HMAC key of signed download URLs.</summary>
    public const string UrlSigning = "url-signing";

    private const int UrlSigningBytes = 32;
    private readonly ConcurrentDictionary<string, byte[]> _loaded = new(StringComparer.Ordinal);

    public byte[] this[string name] =>
        _loaded.TryGetValue(name, out var key) ? key : throw new InvalidOperationException($"The server key '{name}' is read at start-up, which has not run.");

    /// <summary>Loads (or creates) every server key; run once at start-up, under the migration lock.</summary>
    public async Task LoadAsync(CofferDb db, string dataDir, CancellationToken cancellationToken)
    {
        var legacy = Path.Combine(dataDir, "keys", "url-signing.key");
        _loaded[UrlSigning] = await LoadOrCreateAsync(db, UrlSigning,
            () => File.Exists(legacy) ? KeyFile.Read(legacy, UrlSigningBytes) : RandomNumberGenerator.GetBytes(UrlSigningBytes), cancellationToken);
        await ImportDataProtectionKeysAsync(db, Path.Combine(dataDir, "keys", "data-protection"), cancellationToken);
    }

    private async Task<byte[]> LoadOrCreateAsync(CofferDb db, string name, Func<byte[]> create, CancellationToken cancellationToken)
    {
        var context = SealedSecrets.ServerKeyContext(name);
        var row = await db.ServerKeys.SingleOrDefaultAsync(k => k.Name == name, cancellationToken);
        if (row is null)
        {
            row = new ServerKey { Name = name, Bytes = create(), Created = clock.GetUtcNow() };
            db.ServerKeys.Add(row);
        }
        else if (row.KeyId is { } keyId)
        {
            return await keys.Vault.UnwrapAsync(keyId, row.Bytes, context, cancellationToken);
        }

        // New, or stored unwrapped while encryption was off: wrap it now if encryption is on.
        var plain = row.Bytes;
        if (encryption.Value.Enabled && keys.Vault.ActiveKeyId is { } active)
        {
            row.Bytes = await keys.Vault.WrapAsync(active, plain, context, cancellationToken);
            row.KeyId = active;
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return plain;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear(); // another instance created it first: use theirs
            return await LoadOrCreateAsync(db, name, () => throw new InvalidOperationException("The server key vanished."), cancellationToken);
        }
    }

    /// <summary>Session and antiforgery keys an earlier version kept as files: copied into the database once.</summary>
    /// <remarks>The files held their secrets as they were; with encryption at rest on, they are sealed on the way in.</remarks>
    private async Task ImportDataProtectionKeysAsync(CofferDb db, string directory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory) || await db.DataProtectionKeys.AnyAsync(cancellationToken))
            return;
        foreach (var file in Directory.EnumerateFiles(directory, "*.xml"))
        {
            var xml = XElement.Parse(await File.ReadAllTextAsync(file, cancellationToken));
            if (encryption.Value.Enabled)
                SealedSecrets.SealSecretsOf(xml, keys.Vault);
            db.DataProtectionKeys.Add(new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file),
                Xml = xml.ToString(SaveOptions.DisableFormatting),
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
