using Coffer.Core;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

/// <summary>
/// An exclusive lock on {DataDir}/coffer.lock, held while the server runs, so key maintenance
/// (which changes keys a running server has loaded) refuses to run under it.
/// </summary>
public sealed partial class DataDirLock(IOptions<DataDirOptions> dataDir, ILogger<DataDirLock> logger) : IDisposable
{
    private FileStream? _held;

    /// <summary>Takes the lock; false (and the file stays with its holder) when another process has it.</summary>
    public bool TryAcquire()
    {
        try
        {
            _held ??= new FileStream(Path.Combine(dataDir.Value.FullPath, "coffer.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>For the server: a second process on the same data directory is allowed, but said.</summary>
    public void AcquireForServer()
    {
        if (!TryAcquire())
            LogShared(dataDir.Value.FullPath);
    }

    public void Dispose() => _held?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Another Coffer process is using the data directory {DataDir}")]
    private partial void LogShared(string dataDir);
}
