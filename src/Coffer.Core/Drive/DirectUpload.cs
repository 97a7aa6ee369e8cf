using Coffer.Core.Blobs;

namespace Coffer.Core.Drive;

/// <summary>
/// An upload the client sends straight to the blob store in parts through pre-signed URLs.
/// The row remembers what the server promised (where, under which name, how big) until the
/// client completes it, or the sweeper aborts it once it expires.
/// </summary>
public sealed class DirectUpload
{
    public Guid Id { get; set; }

    /// <summary>Who started it. In a folder shared with them, the file (and its blob key) will be the folder owner's.</summary>
    public Guid OwnerId { get; set; }
    public Guid FolderId { get; set; }
    public required string Name { get; set; }
    public ConflictMode Conflict { get; set; }

    /// <summary>The blob the upload becomes, and the store's own id for the multipart upload.</summary>
    public Guid BlobId { get; set; }

    public required string StoreKey { get; set; }
    public required string StoreUploadId { get; set; }

    /// <summary>The size the client declared; completion checks the stored object has exactly this many bytes.</summary>
    public long Size { get; set; }

    public long PartBytes { get; set; }
    public int PartCount { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Expires { get; set; }
}
