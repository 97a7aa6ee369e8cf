using Coffer.Core.Blobs;
using Coffer.Core.Drive;

namespace Coffer.Server.Jobs;

/// <summary>
/// Multipart uploads that were never completed (a browser closed mid-upload, an instance that
/// crashed mid-stream) keep their parts in the bucket, unseen and billed. Hourly, this aborts
/// those started more than a day ago and forgets the direct uploads that expired.
/// </summary>
internal sealed class MultipartSweepJob(IServiceProvider services, TimeProvider clock, ILogger<MultipartSweepJob> logger)
    : LeasedJob(services, clock, logger)
{
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    protected override string Name => "multipart-sweep";

    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override bool Enabled => Services.GetService<IBlobStore>() is IMultipartSweeper;

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var cutoff = Clock.GetUtcNow() - AbandonedAfter;
        var expired = await scoped.GetRequiredService<DirectTransfers>().ForgetExpiredAsync(cancellationToken);
        var aborted = await ((IMultipartSweeper)scoped.GetRequiredService<IBlobStore>()).AbortUploadsStartedBeforeAsync(cutoff, cancellationToken);
        return $"aborted {aborted} multipart upload(s) started before {cutoff:u}; forgot {expired} expired direct upload(s)";
    }
}
