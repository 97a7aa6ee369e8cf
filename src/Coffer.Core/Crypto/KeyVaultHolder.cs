using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Crypto;

/// <summary>
/// Loads the configured KEKs once, on first use (start-up's <see cref="KeyCheck"/> makes that
/// happen before the first request), creating the first key file when encryption is on and
/// there is none yet.
/// </summary>
public sealed partial class KeyVaultHolder
{
    private readonly Lock _lock = new();
    private readonly Func<bool, IKeyVault> _load;
    private IKeyVault? _vault;

    public KeyVaultHolder(IOptions<EncryptionOptions> options, IOptions<DataDirOptions> dataDir, TimeProvider clock, ILogger<KeyVaultHolder> logger) =>
        _load = storedFilesNeedKeys =>
        {
            var vault = KeyRing.Load(options.Value, dataDir.Value.FullPath, clock,
                createIfNone: options.Value.Enabled && !storedFilesNeedKeys, out var created);
            if (created is not null)
                LogKeyCreated(logger, created, KeyRing.PathOf(options.Value.KeyDirectoryFor(dataDir.Value.FullPath), created));
            return vault;
        };

    /// <summary>Holds keys already loaded (tests).</summary>
    internal KeyVaultHolder(IKeyVault vault) => _load = _ => vault;

    public IKeyVault Vault => Load(storedFilesNeedKeys: false);

    /// <summary>
    /// The KEKs. When stored files already need keys, none is created: an empty key directory
    /// then means the keys were lost or moved, and a fresh key would only hide that.
    /// </summary>
    public IKeyVault Load(bool storedFilesNeedKeys)
    {
        lock (_lock)
        {
            return _vault ??= _load(storedFilesNeedKeys);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created encryption key {KeyId} at {Path}. Back it up now, apart from the data: without it no file can be read")]
    private static partial void LogKeyCreated(ILogger logger, string keyId, string path);
}
