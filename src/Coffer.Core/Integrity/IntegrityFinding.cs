namespace Coffer.Core.Integrity;

public enum IntegrityProblem
{
    /// <summary>A blob the metadata names is not in the store.</summary>
    Missing = 0,

    /// <summary>The stored bytes do not read back as what was written (size, hash or authentication).</summary>
    Corrupt = 1,

    /// <summary>An object in the store that no metadata names (removed by garbage collection after its grace period).</summary>
    Orphan = 2,
}

/// <summary>
/// What a scrub found wrong with one blob, kept for admins until a later scrub finds it healthy
/// (or repaired). A healthy store has none.
/// </summary>
public sealed class IntegrityFinding
{
    public Guid Id { get; set; }
    public Guid? BlobId { get; set; }
    public required string StoreKey { get; set; }
    public IntegrityProblem Problem { get; set; }
    public required string Detail { get; set; }
    public DateTimeOffset Found { get; set; }

    /// <summary>When it was repaired from the backup store; null while it is not.</summary>
    public DateTimeOffset? Repaired { get; set; }
}
