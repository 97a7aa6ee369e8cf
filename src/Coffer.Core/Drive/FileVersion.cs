using Coffer.Core.Blobs;

namespace Coffer.Core.Drive;

/// <summary>One content of a file: which blob holds it, its size and hash, who wrote it when.</summary>
public sealed class FileVersion
{
    public Guid Id { get; set; }
    public Guid ItemId { get; set; }
    public Guid BlobId { get; set; }
    public Blob Blob { get; set; } = null!;
    public long Size { get; set; }
    public required string Sha256 { get; set; }
    public DateTimeOffset Created { get; set; }
    public Guid CreatedBy { get; set; }
}
