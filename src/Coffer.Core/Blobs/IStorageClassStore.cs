namespace Coffer.Core.Blobs;

/// <summary>
/// A store that keeps blobs in more than one storage class (S3's STANDARD, STANDARD_IA...; a
/// second, colder directory on local disk) and can move a blob between them under the same key.
/// Only classes a blob can be read from at once are offered: reads never wait for a restore.
/// </summary>
public interface IStorageClassStore
{
    /// <summary>The class a blob is written to (and that <c>Blob.StorageClass = null</c> stands for).</summary>
    string DefaultStorageClass { get; }

    /// <summary>Every class <see cref="MoveAsync"/> accepts, the default one included.</summary>
    IReadOnlyList<string> StorageClasses { get; }

    bool IsSupported(string storageClass);

    /// <summary>
    /// Moves a completed blob to <paramref name="storageClass"/>, keeping its key and bytes; moving it
    /// to the class it is in does nothing. Throws <see cref="BlobNotFoundException"/> when the key has no blob.
    /// </summary>
    Task MoveAsync(string key, string storageClass, CancellationToken cancellationToken);

    /// <summary>The class the store holds the blob in now (asked of the store, not the metadata).</summary>
    Task<string> StorageClassOfAsync(string key, CancellationToken cancellationToken);
}
