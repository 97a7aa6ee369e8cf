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

    /// <summary>Reads a key file: base64 of exactly <paramref name="bytes"/> bytes, readable by its owner only.</summary>
    public static byte[] Read(string path, int bytes)
    {
        RefuseIfShared(path);
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

    /// <summary>
    /// Like ssh with a private key: a key file that other users can read (or write) is refused,
    /// naming the fix, rather than used as if it were still secret.
    /// </summary>
    private static void RefuseIfShared(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
            UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & others) != 0)
            throw new StartupException($"The key file {path} is accessible to other users (mode {Convert.ToString((int)mode, 8)}): " +
                $"run `chmod 600 {path}` (and check who could have copied it), then start again.");
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
        Blobs.DirectoryFlush.Flush(Path.GetDirectoryName(path)!); // a key lost to a power cut would take every blob sealed under it
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
