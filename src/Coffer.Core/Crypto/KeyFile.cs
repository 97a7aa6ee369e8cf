namespace Coffer.Core.Crypto;

/// <summary>
/// Server secrets generated on first run and kept under <c>{DataDir}/keys</c> (or a directory
/// of their own), readable by the server's user only. Never next to the data they protect in a
/// backup you hand out: back this folder up separately.
/// </summary>
public static class KeyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    /// <summary>Reads the key named <paramref name="name"/> in {DataDir}/keys, creating it with <paramref name="bytes"/> random bytes if it does not exist.</summary>
    public static byte[] LoadOrCreate(string dataDir, string name, int bytes)
    {
        var path = Path.Combine(dataDir, "keys", name);
        if (File.Exists(path))
            return Read(path, bytes);
        var created = System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes);
        Write(path, created);
        return created;
    }

    /// <summary>Reads a key file: base64 of exactly <paramref name="bytes"/> bytes.</summary>
    public static byte[] Read(string path, int bytes)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            key = [];
        }
        return key.Length == bytes
            ? key
            : throw new StartupException($"The key file {path} is damaged: expected {bytes} bytes of base64. Restore it from your backup.");
    }

    /// <summary>Writes a new key file readable by this user only; never overwrites one.</summary>
    public static void Write(string path, byte[] key)
    {
        CreateOwnerOnlyDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        using var writer = new StreamWriter(path, options);
        writer.Write(Convert.ToBase64String(key));
        writer.Flush();
        ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
    }

    /// <summary>Creates the directory and any missing parents readable by this user only (the framework applies a mode to the last one only).</summary>
    public static void CreateOwnerOnlyDirectory(string directory)
    {
        if (Directory.Exists(directory))
            return;
        if (Path.GetDirectoryName(directory) is { } parent)
            CreateOwnerOnlyDirectory(parent);
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(directory);
        else
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
    }
}
