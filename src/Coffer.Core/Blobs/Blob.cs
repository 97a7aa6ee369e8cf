namespace Coffer.Core.Blobs;

/// <summary>An immutable stored object. Written once under a random key, never overwritten.</summary>
public sealed class Blob
{
    public Guid Id { get; set; }

    /// <summary>The key in the blob store, <c>u/{userId}/{blobId}</c>: never derived from user input.</summary>
    public required string StoreKey { get; set; }

    public long Size { get; set; }
    public DateTimeOffset Created { get; set; }
}
