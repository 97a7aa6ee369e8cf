namespace Coffer.Core.Quotas;

/// <summary>
/// An upload in flight: the bytes it declared, held against its owner's quota from before the
/// first byte until it commits or fails, so parallel uploads cannot together exceed the quota;
/// and the store key it writes, which garbage collection leaves alone while the row lives.
/// A crashed instance's rows expire.
/// </summary>
public sealed class UploadReservation
{
    public Guid Id { get; set; }

    /// <summary>Whose quota it counts against (the folder owner's, whoever uploads).</summary>
    public Guid OwnerId { get; set; }

    public long Bytes { get; set; }

    /// <summary>The blob key being written, once known.</summary>
    public string? StoreKey { get; set; }

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Expires { get; set; }
}
