namespace Coffer.Core.Blobs;

/// <summary>
/// Where blob bytes live (local disk, S3...). Deliberately small: write once, read (seekable),
/// delete, probe. Optional abilities such as pre-signed URLs or storage classes come as
/// separate capability interfaces that a store may also implement.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Starts writing a new blob. It exists under <paramref name="key"/> only after
    /// <see cref="IBlobWriter.CompleteAsync"/>; disposing an uncompleted writer removes what was written.
    /// </summary>
    Task<IBlobWriter> BeginWriteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Opens a completed blob as a seekable, read-only stream (so Range requests read only what they need).</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes a blob; deleting a missing one is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// The completed blobs whose keys start with <paramref name="prefix"/> (say <c>u/{owner}/</c>,
    /// or "" for all), in no particular order; blobs still being written are not listed.
    /// </summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot be reached or written; used by readiness checks.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);
}

/// <summary>A blob being written. Chunks arrive in order; nothing is visible until completed.</summary>
public interface IBlobWriter : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>Makes the blob durable and visible under its key.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A blob as the store sees it: its key, how many bytes it takes there, and when it was written
/// (by the store's clock; garbage collection leaves objects younger than its grace period alone).
/// </summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);
