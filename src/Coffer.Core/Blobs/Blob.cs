namespace Coffer.Core.Blobs;

/// <summary>An immutable stored object. Written once under a random key, never overwritten.</summary>
public sealed class Blob
{
    public Guid Id { get; set; }

    /// <summary>The key in the blob store, <c>u/{userId}/{blobId}</c>: never derived from user input.</summary>
    public required string StoreKey { get; set; }

    /// <summary>The content's length (what a download sends); sealed blobs take a little more room in the store.</summary>
    public long Size { get; set; }

    /// <summary>
    /// The KEK that wraps this blob's data key, or null for a blob stored in plaintext (encryption
    /// was off when it was written). With <see cref="WrappedKey"/>, how to read it back.
    /// </summary>
    public string? KeyId { get; set; }

    public byte[]? WrappedKey { get; set; }
    public DateTimeOffset Created { get; set; }

    /// <summary>When a verified copy reached the backup store; null while none has (or no backup is configured).</summary>
    public DateTimeOffset? ReplicatedAt { get; set; }

    /// <summary>Failed copies so far; the next try waits longer each time (<see cref="ReplicationDue"/>).</summary>
    public int ReplicationAttempts { get; set; }

    public DateTimeOffset? ReplicationDue { get; set; }

    /// <summary>The store's storage class the object was moved to by a lifecycle rule; null for the store's default.</summary>
    public string? StorageClass { get; set; }

    /// <summary>When a scrub last read the whole blob back and found it intact.</summary>
    public DateTimeOffset? VerifiedAt { get; set; }
}
