using System.Text;
using System.Xml.Linq;
using Coffer.Core.Persistence;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Crypto;

/// <summary>
/// The secrets kept in the database for every instance to share (the download-link key in
/// <see cref="ServerKey"/>, the session and antiforgery keys of ASP.NET Core data protection)
/// are wrapped with the active KEK exactly as data keys are, so a copy of the database alone
/// cannot forge a link or a session. Rotation re-wraps them with the data keys.
/// </summary>
public static class SealedSecrets
{
    /// <summary>The element that replaces a data-protection key's secret part; <c>kek</c> names the KEK.</summary>
    internal static readonly XName Element = "sealedByCoffer";

    /// <summary>A data-protection key's secret part stored as it is (made while encryption at rest was off).</summary>
    internal static readonly XName Unsealed = "unsealedByCoffer";

    private const string KekAttribute = "kek";

    public static byte[] ServerKeyContext(string name) => Encoding.UTF8.GetBytes("server-key/" + name);

    private static readonly byte[] DataProtectionContext = "data-protection-key"u8.ToArray();

    /// <summary>Seals an element of a data-protection key with the active KEK.</summary>
    internal static XElement Seal(IKeyVault vault, XElement plaintext)
    {
        var keyId = vault.ActiveKeyId ?? throw new InvalidOperationException("Encryption is on but no key-encryption key is active.");
        var wrapped = Wait(vault.WrapAsync(keyId, Encoding.UTF8.GetBytes(plaintext.ToString(SaveOptions.DisableFormatting)), DataProtectionContext, default));
        return new XElement(Element, new XAttribute(KekAttribute, keyId), Convert.ToBase64String(wrapped));
    }

    /// <summary>
    /// Seals, in place, the parts of a data-protection key that the framework marks as needing
    /// encryption (what it does itself with a configured encryptor), for keys written without one.
    /// </summary>
    public static void SealSecretsOf(XElement key, IKeyVault vault)
    {
        XNamespace dataProtection = "http://schemas.asp.net/2015/03/dataProtection";
        foreach (var secret in key.Descendants().Where(e => (string?)e.Attribute(dataProtection + "requiresEncryption") == "true").ToList())
        {
            secret.ReplaceWith(new XElement(dataProtection + "encryptedSecret",
                new XAttribute("decryptorType", typeof(KekXmlDecryptor).AssemblyQualifiedName!),
                Seal(vault, secret)));
        }
    }

    internal static XElement Open(IKeyVault vault, XElement sealedElement)
    {
        var keyId = (string?)sealedElement.Attribute(KekAttribute) ?? throw new InvalidOperationException("A sealed data-protection key names no KEK.");
        var bytes = Wait(vault.UnwrapAsync(keyId, Convert.FromBase64String(sealedElement.Value), DataProtectionContext, default));
        return XElement.Parse(Encoding.UTF8.GetString(bytes));
    }

    /// <summary>The KEKs that sealed secrets in the database need, with how many each (start-up checks them, retire refuses them).</summary>
    public static async Task<Dictionary<string, int>> UsageAsync(CofferDb db, CancellationToken cancellationToken)
    {
        var usage = (await db.ServerKeys.Where(k => k.KeyId != null).Select(k => k.KeyId!).ToListAsync(cancellationToken))
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var xml in await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync(cancellationToken))
        {
            foreach (var keyId in KeksIn(xml))
                usage[keyId] = usage.GetValueOrDefault(keyId) + 1;
        }
        return usage;
    }

    /// <summary>Re-wraps every sealed secret that is not under <paramref name="active"/>; returns how many.</summary>
    public static async Task<int> RewrapAsync(CofferDb db, IKeyVault vault, string active, CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var key in await db.ServerKeys.Where(k => k.KeyId != null && k.KeyId != active).ToListAsync(cancellationToken))
        {
            var context = ServerKeyContext(key.Name);
            var plain = await vault.UnwrapAsync(key.KeyId!, key.Bytes, context, cancellationToken);
            key.Bytes = await vault.WrapAsync(active, plain, context, cancellationToken);
            key.KeyId = active;
            done++;
        }
        foreach (var row in await db.DataProtectionKeys.ToListAsync(cancellationToken))
        {
            if (row.Xml is null || !KeksIn(row.Xml).Any(id => id != active))
                continue;
            var document = XElement.Parse(row.Xml);
            foreach (var element in document.Descendants(Element).ToList())
                element.ReplaceWith(Seal(new ActiveOnly(vault, active), Open(vault, element)));
            row.Xml = document.ToString(SaveOptions.DisableFormatting);
            done++;
        }
        await db.SaveChangesAsync(cancellationToken);
        return done;
    }

    /// <summary>Data protection's encryptor interface is synchronous; the local vault completes at once.</summary>
    private static byte[] Wait(ValueTask<byte[]> pending)
    {
        if (pending.IsCompletedSuccessfully)
            return pending.Result;
#pragma warning disable RS0030 // no async path exists here; a vault that must wait blocks this (rare: new session keys, every 90 days)
        return pending.AsTask().GetAwaiter().GetResult();
#pragma warning restore RS0030
    }

    private static IEnumerable<string> KeksIn(string? xml) =>
        xml is null || !xml.Contains(Element.LocalName, StringComparison.Ordinal)
            ? []
            : XElement.Parse(xml).Descendants(Element).Select(e => (string?)e.Attribute(KekAttribute)).OfType<string>();

    /// <summary>The vault with <paramref name="active"/> as its active key (a rotation's target).</summary>
    private sealed class ActiveOnly(IKeyVault vault, string active) : IKeyVault
    {
        public string? ActiveKeyId => active;
        public IReadOnlyCollection<string> KeyIds => vault.KeyIds;
        public ValueTask<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) =>
            vault.WrapAsync(keyId, dataKey, context, cancellationToken);
        public ValueTask<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) =>
            vault.UnwrapAsync(keyId, wrapped, context, cancellationToken);
    }
}

/// <summary>
/// Seals new data-protection keys with the active KEK while encryption at rest is on (the
/// setting is read when a key is made, not when the framework is set up); with it off they are
/// stored as they are, marked so that <see cref="KekXmlDecryptor"/> reads both.
/// </summary>
public sealed class KekXmlEncryptor(IServiceProvider services) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(services.GetRequiredService<IOptions<EncryptionOptions>>().Value.Enabled
                ? SealedSecrets.Seal(services.GetRequiredService<IKeyVault>(), plaintextElement)
                : new XElement(SealedSecrets.Unsealed, plaintextElement),
            typeof(KekXmlDecryptor));
}

/// <summary>Opens data-protection keys written by <see cref="KekXmlEncryptor"/>; created by data protection with the service provider.</summary>
public sealed class KekXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        encryptedElement.Name == SealedSecrets.Unsealed
            ? encryptedElement.Elements().Single()
            : SealedSecrets.Open(services.GetRequiredService<IKeyVault>(), encryptedElement);
}
