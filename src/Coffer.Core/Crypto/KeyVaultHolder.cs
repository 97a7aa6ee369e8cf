using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Crypto;

/// <summary>
/// Loads the configured KEKs once, on first use (start-up checks make that happen before the
/// first request), creating the first key file when encryption is on and there is none.
/// </summary>
public sealed partial class KeyVaultHolder(
    IOptions<EncryptionOptions> options, IOptions<DataDirOptions> dataDir, TimeProvider clock, ILogger<KeyVaultHolder> logger)
{
    private readonly Lazy<IKeyVault> _vault = new(() =>
    {
        var vault = KeyRing.Load(options.Value, dataDir.Value.FullPath, clock, createIfNone: options.Value.Enabled, out var created);
        if (created is not null)
            LogKeyCreated(logger, created, KeyRing.PathOf(options.Value.KeyDirectoryFor(dataDir.Value.FullPath), created));
        return vault;
    });

    public IKeyVault Vault => _vault.Value;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created encryption key {KeyId} at {Path}. Back it up now, apart from the data: without it no file can be read")]
    private static partial void LogKeyCreated(ILogger logger, string keyId, string path);
}
