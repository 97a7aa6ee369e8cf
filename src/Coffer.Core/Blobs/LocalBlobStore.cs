using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Coffer.Core.Blobs;

/// <summary>
/// Blobs as files under <c>{DataDir}/blobs</c>. A blob is written to a ".partial" file beside its
/// final place, flushed to disk, then renamed, so a crash never leaves a half blob under a real key.
/// </summary>
public sealed partial class LocalBlobStore : IBlobStore
{
    private const string PartialSuffix = ".partial";
    private readonly string _root;
    private readonly ILogger<LocalBlobStore> _logger;

    public LocalBlobStore(string root, ILogger<LocalBlobStore> logger)
    {
        _root = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        _logger = logger; // the directory is made on first write, so a store on a missing disk fails its writes, not the server's start
    }

    public Task<IBlobWriter> BeginWriteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + PartialSuffix;
        var handle = File.OpenHandle(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
        return Task.FromResult<IBlobWriter>(new Writer(this, handle, partial, path));
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
            throw new BlobNotFoundException(key);
        // bufferSize 0: callers read in large chunks already; a second buffer only copies.
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Task.FromResult(stream);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
            // The owner's folder is gone, so the blob is too: deleting a missing blob is not an error.
        }
        return Task.CompletedTask;
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(PathOf(key)));

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
            yield break;
        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!BlobKey.IsValid(key) || !key.StartsWith(prefix, StringComparison.Ordinal))
                continue; // partial files, health probes
            long size;
            DateTimeOffset modified;
            try
            {
                var info = new FileInfo(file);
                size = info.Length;
                modified = info.LastWriteTimeUtc; // the rename keeps the write's time: when the bytes were written
            }
            catch (FileNotFoundException)
            {
                continue; // deleted while listing
            }
            await Task.Yield();
            yield return new StoredObject(key, size, modified);
        }
    }

    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        var probe = Path.Combine(_root, ".health-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(probe, [1], cancellationToken);
        File.Delete(probe);
    }

    /// <summary>Removes ".partial" files left by a crash; safe at start-up, before any upload runs.</summary>
    public int RemoveAbandonedPartials()
    {
        var removed = 0;
        if (!Directory.Exists(_root))
            return removed;
        foreach (var file in Directory.EnumerateFiles(_root, "*" + PartialSuffix, SearchOption.AllDirectories))
        {
            File.Delete(file);
            removed++;
        }
        if (removed > 0)
            LogRemovedPartials(removed);
        return removed;
    }

    /// <summary>Maps a key to a file, refusing any key this store did not make and any path outside the root.</summary>
    private string PathOf(string key)
    {
        if (!BlobKey.IsValid(key))
            throw new ArgumentException("Not a blob key.", nameof(key));
        var path = Path.GetFullPath(Path.Combine(_root, key));
        if (!path.StartsWith(_root, StringComparison.Ordinal))
            throw new ArgumentException("Not a blob key.", nameof(key));
        return path;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed {Count} partial blob files left by an earlier crash")]
    private partial void LogRemovedPartials(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the partial blob file {Path}")]
    private partial void LogPartialNotRemoved(Exception exception, string path);

    private sealed class Writer(LocalBlobStore store, SafeFileHandle handle, string partialPath, string finalPath) : IBlobWriter
    {
        /// <summary>
        /// How much to write before nudging the kernel to start writing back, so the final flush
        /// waits for the last stretch only instead of the whole file.
        /// </summary>
        private const long EarlyFlushBytes = 64 * 1024 * 1024;

        private long _offset;
        private long _flushRequestedAt;
        private Task _flushing = Task.CompletedTask;
        private bool _completed;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            await RandomAccess.WriteAsync(handle, chunk, _offset, cancellationToken);
            _offset += chunk.Length;
            if (_offset - _flushRequestedAt >= EarlyFlushBytes && _flushing.IsCompleted)
            {
                _flushRequestedAt = _offset;
                _flushing = Task.Run(() => RandomAccess.FlushToDisk(handle), CancellationToken.None);
            }
        }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            // Durable before visible: the metadata that points at this blob commits after this returns.
            await _flushing;
            await Task.Run(() => RandomAccess.FlushToDisk(handle), cancellationToken);
            handle.Dispose();
            File.Move(partialPath, finalPath);
            DirectoryFlush.Flush(Path.GetDirectoryName(finalPath)!); // the blob's name is as durable as its bytes
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await _flushing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            handle.Dispose();
            if (!_completed)
            {
                try
                {
                    File.Delete(partialPath);
                }
                catch (IOException ex)
                {
                    store.LogPartialNotRemoved(ex, partialPath);
                }
            }
        }
    }
}

/// <summary>Metadata names a blob the store does not have: data loss or a broken store, never user error.</summary>
public sealed class BlobNotFoundException(string key) : Exception($"Blob {key} is missing from the store.");
