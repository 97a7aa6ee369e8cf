namespace Coffer.Core.Integrity;

/// <summary>Garbage collection (<c>Coffer:Gc</c>): how long unreferenced data is kept, and how often the job looks.</summary>
public sealed class GcOptions
{
    public const string Section = "Coffer:Gc";

    /// <summary>
    /// Nothing younger than this is removed: an object just written whose metadata is about to
    /// commit, a row made a moment ago, a backup copy racing a delete. 0 removes at once (tests).
    /// </summary>
    public double GraceHours { get; set; } = 24;

    /// <summary>How often the job runs; 0 switches the job off (<c>coffer fsck --repair</c> still collects).</summary>
    public double IntervalHours { get; set; } = 6;

    public TimeSpan Grace => TimeSpan.FromHours(GraceHours);
}

/// <summary>The integrity scrub (<c>Coffer:Scrub</c>).</summary>
public sealed class ScrubOptions
{
    public const string Section = "Coffer:Scrub";

    /// <summary>How often the job runs; 0 switches the job off (<c>coffer fsck</c> still scrubs).</summary>
    public double IntervalHours { get; set; } = 24;

    /// <summary>
    /// How many bytes one run of the job reads at most (the blob that crosses the line is still read
    /// whole), so a big store is scrubbed over several runs, longest-unverified first. 0 means no limit.
    /// </summary>
    public long MaxBytesPerRun { get; set; } = 100L * 1024 * 1024 * 1024;
}
