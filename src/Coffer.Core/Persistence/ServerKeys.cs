using System.Collections.Concurrent;
using System.Security.Cryptography;
using Coffer.Core.Crypto;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Persistence;

/// <summary>
/// Secrets every instance must share, loaded from the database once at start-up (after the
/// schema is up to date) and created there on first run. Earlier versions kept them under
/// {DataDir}/keys; those files are imported once, so links and sessions survive the upgrade.
/// </summary>
public sealed class ServerKeys(TimeProvider clock)
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
        if (await db.ServerKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Name == name, cancellationToken) is { } existing)
            return existing.Bytes;
        db.ServerKeys.Add(new ServerKey { Name = name, Bytes = create(), Created = clock.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear(); // another instance created it first: use theirs
        }
        return (await db.ServerKeys.AsNoTracking().SingleAsync(k => k.Name == name, cancellationToken)).Bytes;
    }

    /// <summary>Session and antiforgery keys an earlier version kept as files: copied into the database once.</summary>
    private static async Task ImportDataProtectionKeysAsync(CofferDb db, string directory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory) || await db.DataProtectionKeys.AnyAsync(cancellationToken))
            return;
        foreach (var file in Directory.EnumerateFiles(directory, "*.xml"))
        {
            db.DataProtectionKeys.Add(new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file),
                Xml = await File.ReadAllTextAsync(file, cancellationToken),
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
