namespace Coffer.Core.Crypto;

/// <summary>
/// Server secrets generated on first run and kept under <c>{DataDir}/keys</c>, readable by the
/// server's user only. Never next to the data they protect in a backup you hand out: back this folder up separately.
/// </summary>
public static class KeyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    /// <summary>Reads the key named <paramref name="name"/>, creating it with <paramref name="bytes"/> random bytes if it does not exist.</summary>
    public static byte[] LoadOrCreate(string dataDir, string name, int bytes)
    {
        var directory = Path.Combine(dataDir, "keys");
        var path = Path.Combine(directory, name);
        if (File.Exists(path))
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length == bytes
                ? key
                : throw new InvalidOperationException($"The key file {path} is damaged: expected {bytes} bytes of base64.");
        }

        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(directory);
        else
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        var created = System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        using (var writer = new StreamWriter(path, options))
            writer.Write(Convert.ToBase64String(created));
        return created;
    }
}
