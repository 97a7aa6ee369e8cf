namespace Coffer.Core.Lifecycle;

public enum LifecycleAction
{
    /// <summary>Move files not modified for <see cref="LifecycleRule.AfterDays"/> to their owner's trash.</summary>
    Trash = 0,

    /// <summary>Delete such files for good, versions and all.</summary>
    DeleteForever = 1,

    /// <summary>Move the blobs of file versions older than <see cref="LifecycleRule.AfterDays"/> to a colder storage class.</summary>
    MoveToStorageClass = 2,
}

/// <summary>
/// An admin's rule over one folder (with everything below it) or the whole store, run by the
/// lifecycle job. Runs are idempotent: what a rule already did, it finds nothing left to do.
/// </summary>
public sealed class LifecycleRule
{
    public Guid Id { get; set; }
    public required string Name { get; set; }

    /// <summary>The folder the rule covers, or null for every user's files.</summary>
    public Guid? FolderId { get; set; }

    public LifecycleAction Action { get; set; }
    public int AfterDays { get; set; }

    /// <summary>The target class for <see cref="LifecycleAction.MoveToStorageClass"/> (an S3 class, or COLD on local disk).</summary>
    public string? StorageClass { get; set; }

    public bool Enabled { get; set; } = true;
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? LastRun { get; set; }

    /// <summary>What the last run did, in a sentence.</summary>
    public string? LastOutcome { get; set; }
}
