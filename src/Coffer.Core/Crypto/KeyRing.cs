using System.Globalization;
using System.Security.Cryptography;

namespace Coffer.Core.Crypto;

/// <summary>Builds the <see cref="LocalKeyVault"/> from the configured key source and creates new KEK files.</summary>
public static class KeyRing
{
    private const string Extension = ".key";

    /// <summary>
    /// The KEKs the options name. With key files and none yet, one is created when
    /// <paramref name="createIfNone"/> (first run with encryption on); its id is returned in
    /// <paramref name="created"/> so the caller can say to back it up.
    /// </summary>
    public static LocalKeyVault Load(EncryptionOptions options, string dataDir, TimeProvider clock, bool createIfNone, out string? created)
    {
        created = null;
        Dictionary<string, byte[]> keys;
        string where;
        if (options.KeyProvider == KeySource.Environment)
        {
            where = "Coffer:Encryption:Keys";
            keys = options.Keys.ToDictionary(k => k.Key, k => Decode(k.Key, k.Value), StringComparer.Ordinal);
            if (keys.Count == 0 && createIfNone)
                throw new StartupException("Coffer:Encryption:KeyProvider is Environment but no key is configured: set Coffer__Encryption__Keys__{id} " +
                    "to 32 random bytes in base64 (for example `openssl rand -base64 32`).");
        }
        else
        {
            var directory = options.KeyDirectoryFor(dataDir);
            where = directory;
            keys = ReadDirectory(directory);
            if (keys.Count == 0 && createIfNone)
            {
                created = CreateKeyFile(directory, clock);
                keys = ReadDirectory(directory);
            }
        }

        var active = options.ActiveKeyId ?? (options.KeyProvider == KeySource.File || keys.Count == 1 ? keys.Keys.Max(StringComparer.Ordinal) : null);
        if (active is null && keys.Count > 1)
            throw new StartupException("Several encryption keys are configured: set Coffer:Encryption:ActiveKeyId to the one new files use.");
        if (active is not null && !keys.ContainsKey(active))
            throw new StartupException($"Coffer:Encryption:ActiveKeyId is '{active}', but no such key is in {where}.");
        return new LocalKeyVault(keys, active, where);
    }

    /// <summary>Creates a new KEK file; its id starts with the date, so the newest sorts last and becomes active.</summary>
    public static string CreateKeyFile(string directory, TimeProvider clock)
    {
        var id = clock.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        KeyFile.Write(Path.Combine(directory, id + Extension), RandomNumberGenerator.GetBytes(SealedFormat.KeySize));
        return id;
    }

    public static string PathOf(string directory, string keyId) => Path.Combine(directory, keyId + Extension);

    private static Dictionary<string, byte[]> ReadDirectory(string directory)
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
            return keys;
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            var id = Path.GetFileNameWithoutExtension(path);
            if (KeyIds.IsValid(id))
                keys[id] = KeyFile.Read(path, SealedFormat.KeySize);
        }
        return keys;
    }

    private static byte[] Decode(string id, string base64)
    {
        if (!KeyIds.IsValid(id))
            throw new StartupException($"Coffer:Encryption:Keys:{id}: a key id may contain only letters, digits, '-' and '_' (1-64).");
        try
        {
            var key = Convert.FromBase64String(base64.Trim());
            if (key.Length == SealedFormat.KeySize)
                return key;
        }
        catch (FormatException)
        {
        }
        throw new StartupException($"Coffer:Encryption:Keys:{id} must be {SealedFormat.KeySize} bytes in base64 (for example `openssl rand -base64 32`).");
    }
}
