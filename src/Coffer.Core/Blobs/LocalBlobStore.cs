using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Coffer.Core.Blobs;

/// <summary>
/// Blobs as files under <c>{DataDir}/blobs</c>. A blob is written to a ".partial" file beside its
/// final place, flushed to disk, then renamed, so a crash never leaves a half blob under a real key.
/// With a cold directory (say on a cheaper, slower disk), lifecycle rules move blobs there (class
/// <see cref="Cold"/>) and back (<see cref="Standard"/>); every read, probe, delete and listing looks in both.
/// </summary>
public sealed partial class LocalBlobStore : IBlobStore, IStorageClassStore
{
    /// <summary>The blob directory's class: where every blob is written.</summary>
    public const string Standard = "STANDARD";

    /// <summary>The cold directory's class.</summary>
    public const string Cold = "COLD";

    private const string PartialSuffix = ".partial";
    private readonly string _root;
    private readonly string? _coldRoot;
    private readonly ILogger<LocalBlobStore> _logger;

    public LocalBlobStore(string root, ILogger<LocalBlobStore> logger)
        : this(root, coldRoot: null, logger)
    {
    }

    /// <summary>A store with a cold directory beside its blob directory, or none when <paramref name="coldRoot"/> is null.</summary>
    public LocalBlobStore(string root, string? coldRoot, ILogger<LocalBlobStore> logger)
    {
        _root = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        _coldRoot = coldRoot is null ? null : Path.GetFullPath(coldRoot) + Path.DirectorySeparatorChar;
        if (_coldRoot is not null && (_coldRoot.StartsWith(_root, StringComparison.Ordinal) || _root.StartsWith(_coldRoot, StringComparison.Ordinal)))
            throw new ArgumentException("The cold directory must not be the blob directory or lie inside it (or it inside the cold one).", nameof(coldRoot));
        _logger = logger; // the directory is made on first write, so a store on a missing disk fails its writes, not the server's start
    }

    public string DefaultStorageClass => Standard;

    public IReadOnlyList<string> StorageClasses => _coldRoot is null ? [Standard] : [Standard, Cold];

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
        // Hot, then cold, then hot again: a move between the two looks finds the blob on the second try.
        foreach (var path in new[] { PathOf(key), ColdPathOf(key), PathOf(key) })
        {
            if (path is null)
                continue;
            try
            {
                // bufferSize 0: callers read in large chunks already; a second buffer only copies.
                return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0,
                    FileOptions.Asynchronous | FileOptions.SequentialScan));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // not in this directory (an open stream keeps reading a file that a move deletes meanwhile)
            }
        }
        throw new BlobNotFoundException(key);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        DeleteFile(PathOf(key));
        if (ColdPathOf(key) is { } cold)
            DeleteFile(cold);
        return Task.CompletedTask;
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(PathOf(key)) || (ColdPathOf(key) is { } cold && File.Exists(cold)));

    public bool IsSupported(string storageClass) => StorageClasses.Contains(storageClass, StringComparer.Ordinal);

    public async Task MoveAsync(string key, string storageClass, CancellationToken cancellationToken)
    {
        if (!IsSupported(storageClass))
            throw new ArgumentException($"This store has no storage class '{storageClass}'.", nameof(storageClass));
        var (hot, cold) = (PathOf(key), ColdPathOf(key)!);
        var (from, to) = storageClass == Cold ? (hot, cold) : (cold, hot);
        if (!File.Exists(from))
        {
            if (File.Exists(to))
                return; // already there
            throw new BlobNotFoundException(key);
        }
        await CopyDurablyAsync(from, to, cancellationToken);
        // Only now, with the copy durable under its name, does the original go.
        File.Delete(from);
        DirectoryFlush.Flush(Path.GetDirectoryName(from)!);
    }

    public Task<string> StorageClassOfAsync(string key, CancellationToken cancellationToken)
    {
        if (File.Exists(PathOf(key)))
            return Task.FromResult(Standard);
        if (ColdPathOf(key) is { } cold && File.Exists(cold))
            return Task.FromResult(Cold);
        throw new BlobNotFoundException(key);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var stored in ListAsync(_root, prefix, skipIfHot: false, cancellationToken))
            yield return stored;
        if (_coldRoot is not null)
        {
            // A blob caught mid-move is in both directories for a moment: it is listed once, from the blob directory.
            await foreach (var stored in ListAsync(_coldRoot, prefix, skipIfHot: true, cancellationToken))
                yield return stored;
        }
    }

    private async IAsyncEnumerable<StoredObject> ListAsync(string root, string prefix, bool skipIfHot, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root))
            yield break;
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!BlobKey.IsValid(key) || !key.StartsWith(prefix, StringComparison.Ordinal))
                continue; // partial files, health probes
            if (skipIfHot && File.Exists(PathOf(key)))
                continue;
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

    /// <summary>Removes ".partial" files left by a crash (in the cold directory too); safe at start-up, before any upload runs.</summary>
    public int RemoveAbandonedPartials()
    {
        var removed = 0;
        foreach (var root in new[] { _root, _coldRoot })
        {
            if (root is null || !Directory.Exists(root))
                continue;
            foreach (var file in Directory.EnumerateFiles(root, "*" + PartialSuffix, SearchOption.AllDirectories))
            {
                File.Delete(file);
                removed++;
            }
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

    /// <summary>The key's place in the cold directory, or null without one.</summary>
    private string? ColdPathOf(string key)
    {
        if (_coldRoot is null)
            return null;
        PathOf(key); // the same checks
        return Path.GetFullPath(Path.Combine(_coldRoot, key));
    }

    private static void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // The owner's folder is gone, so the blob is too: deleting a missing blob is not an error.
        }
    }

    /// <summary>Copies as a write does: into a ".partial" file, flushed, renamed, the directory flushed.</summary>
    private static async Task CopyDurablyAsync(string from, string to, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        var partial = to + "." + Guid.NewGuid().ToString("N") + PartialSuffix; // two movers of one blob never share a partial file
        try
        {
            await using (var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0,
                FileOptions.Asynchronous | FileOptions.SequentialScan))
            await using (var target = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(target, 1024 * 1024, cancellationToken);
                await Task.Run(() => target.Flush(flushToDisk: true), cancellationToken);
            }
            File.Move(partial, to, overwrite: true); // a blob's bytes never change, so an earlier copy is the same
            DirectoryFlush.Flush(Path.GetDirectoryName(to)!);
        }
        finally
        {
            File.Delete(partial); // nothing there after the rename
        }
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
