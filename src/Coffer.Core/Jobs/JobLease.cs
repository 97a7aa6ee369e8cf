namespace Coffer.Core.Jobs;

/// <summary>
/// Who runs a background job right now. Every instance tries to take the lease; only the one
/// holding an unexpired lease runs the job, so a job runs once however many instances run, and
/// another instance takes over when the holder stops renewing (it crashed or was stopped).
/// </summary>
public sealed class JobLease
{
    public required string Name { get; set; }
    public required string Holder { get; set; }
    public DateTimeOffset Expires { get; set; }

    /// <summary>When the job last finished a run, and how (shown to admins, logged).</summary>
    public DateTimeOffset? LastRun { get; set; }

    public string? LastOutcome { get; set; }
}
