using Coffer.Core.Drive;

namespace Coffer.Server.Jobs;

/// <summary>
/// Hourly, on one instance: purges trash entries older than <c>Coffer:Trash:RetentionDays</c> and
/// the earlier file versions their owner's retention (<c>Coffer:Versions:*</c> or the owner's own)
/// no longer keeps. A file that gets a new version is pruned at once as well.
/// </summary>
internal sealed class RetentionJob(IServiceProvider services, TimeProvider clock, ILogger<RetentionJob> logger)
    : LeasedJob(services, clock, logger)
{
    protected override string Name => "retention";

    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var purged = await scoped.GetRequiredService<TrashService>().PurgeExpiredAsync(renewLease, cancellationToken);
        var pruned = await scoped.GetRequiredService<DriveService>().PruneByRetentionAsync(renewLease, cancellationToken);
        return $"purged {purged} trash entr{(purged == 1 ? "y" : "ies")}; pruned {pruned} old version(s)";
    }
}
