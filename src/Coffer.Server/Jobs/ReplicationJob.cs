using Coffer.Core.Blobs;

namespace Coffer.Server.Jobs;

/// <summary>
/// Fills the backup store (<c>Coffer:Backup</c>): every 30 seconds, up to a batch of blobs that
/// have no verified copy yet. Progress lives in the database, so restarts and other instances
/// pick up where a run stopped.
/// </summary>
internal sealed class ReplicationJob(IServiceProvider services, TimeProvider clock, ILogger<ReplicationJob> logger)
    : LeasedJob(services, clock, logger)
{
    private const int BatchSize = 200;

    protected override string Name => "replication";

    protected override TimeSpan Interval => TimeSpan.FromSeconds(30);

    protected override bool Enabled => Services.GetService<BackupStore>() is not null;

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var report = await scoped.GetRequiredService<Replicator>().ReplicateDueAsync(BatchSize, renewLease, cancellationToken);
        return $"copied {report.Copied} blob(s) to the backup store, {report.Failed} failed; {report.Remaining} not yet replicated";
    }
}
