namespace Coffer.Core.Previews;

public enum ThumbnailState
{
    /// <summary>Queued: the background job has not made it yet.</summary>
    Pending = 0,

    Ready = 1,

    /// <summary>The content was refused (not a decodable image, too large, gone); nothing will be shown but the type's icon.</summary>
    Failed = 2,
}

/// <summary>
/// A small picture of one file version, stored as a derived blob through the same pipeline as
/// content (so it is encrypted too). One row per version; the row is the job's queue.
/// </summary>
public sealed class Thumbnail
{
    public Guid VersionId { get; set; }
    public ThumbnailState State { get; set; }

    /// <summary>The derived blob; set once <see cref="State"/> is Ready.</summary>
    public Guid? BlobId { get; set; }

    public int Width { get; set; }
    public int Height { get; set; }
    public DateTimeOffset Created { get; set; }
}
