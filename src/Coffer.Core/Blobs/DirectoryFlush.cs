using System.Runtime.InteropServices;

namespace Coffer.Core.Blobs;

/// <summary>
/// Makes a new directory entry (a file created or renamed into <c>directory</c>) survive a power
/// loss: on Linux and macOS a file's own fsync does not cover the entry that names it, so the
/// directory is fsynced too. .NET has no API for that, hence two libc calls. Elsewhere a no-op.
/// </summary>
internal static partial class DirectoryFlush
{
    private const int ReadOnly = 0;

    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
            return;
        var fd = Open(directory, ReadOnly);
        if (fd < 0)
            throw new IOException($"Could not open the directory {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"Could not flush the directory {directory} to disk (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
