using Coffer.Core.Previews;

namespace Coffer.Server.Jobs;

/// <summary>
/// Makes the thumbnails that uploads queued (Pending rows), a batch every few seconds, on
/// whichever instance holds the lease. The queue is the database, so a restart loses nothing.
/// </summary>
internal sealed class ThumbnailJob(IServiceProvider services, TimeProvider clock, ILogger<ThumbnailJob> logger)
    : LeasedJob(services, clock, logger)
{
    private const int BatchSize = 50;

    protected override string Name => "thumbnails";

    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    /// <summary>How often images stored without a thumbnail (before this job existed) are looked for.</summary>
    private static readonly TimeSpan BackfillInterval = TimeSpan.FromHours(1);

    private DateTimeOffset _nextBackfill = DateTimeOffset.MinValue;

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var thumbnails = scoped.GetRequiredService<Thumbnails>();
        var queued = 0;
        if (Clock.GetUtcNow() >= _nextBackfill)
        {
            queued = await thumbnails.QueueMissingAsync(BatchSize * 20, cancellationToken);
            // Until the backlog is queued, look again at every turn; then hourly.
            _nextBackfill = queued < BatchSize * 20 ? Clock.GetUtcNow() + BackfillInterval : DateTimeOffset.MinValue;
        }
        var (made, failed) = await thumbnails.MakePendingAsync(BatchSize, renewLease, cancellationToken);
        return $"made {made} thumbnail(s), {failed} could not be made; queued {queued} missing";
    }
}
