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

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var (made, failed) = await scoped.GetRequiredService<Thumbnails>().MakePendingAsync(BatchSize, renewLease, cancellationToken);
        return $"made {made} thumbnail(s), {failed} could not be made";
    }
}
