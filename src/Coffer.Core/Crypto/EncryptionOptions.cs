using System.ComponentModel.DataAnnotations;

namespace Coffer.Core.Crypto;

/// <summary>Where key-encryption keys come from.</summary>
public enum KeySource
{
    /// <summary>Key files in <see cref="EncryptionOptions.KeyDirectory"/>; one is generated on first run.</summary>
    File,

    /// <summary>Base64 keys in configuration, usually environment variables <c>Coffer__Encryption__Keys__{id}</c>.</summary>
    Environment,
}

/// <summary>Encryption at rest: <c>Coffer:Encryption</c>.</summary>
public sealed class EncryptionOptions
{
    public const string Section = "Coffer:Encryption";

    /// <summary>New blobs are sealed (the default). Blobs stored before stay readable either way.</summary>
    public bool Enabled { get; set; } = true;

    public KeySource KeyProvider { get; set; } = KeySource.File;

    /// <summary>Encrypt, in the background after start-up, the files stored while encryption was off.</summary>
    public bool SealExisting { get; set; }

    /// <summary>Where key files live; {DataDir}/keys/encryption by default. Put it on another disk to keep keys away from the data.</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>The KEK new data keys are wrapped with; by default the newest key file, or the only configured key.</summary>
    [RegularExpression(KeyIds.Pattern, ErrorMessage = "Coffer:Encryption:ActiveKeyId may contain only letters, digits, '-' and '_' (1-64).")]
    public string? ActiveKeyId { get; set; }

    /// <summary>KEKs by id as base64 of 32 bytes, for <see cref="KeySource.Environment"/>.</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    public string KeyDirectoryFor(string dataDir) => Path.GetFullPath(KeyDirectory ?? Path.Combine(dataDir, "keys", "encryption"));
}

public static class KeyIds
{
    public const string Pattern = "^[A-Za-z0-9_-]{1,64}$";

    public static bool IsValid(string id) => System.Text.RegularExpressions.Regex.IsMatch(id, Pattern);
}
