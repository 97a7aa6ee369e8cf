using System.Diagnostics.Metrics;

namespace Coffer.Core.Blobs;

/// <summary>
/// How far the backup store lags, as metrics (meter <c>Coffer</c>): files waiting for a verified
/// copy, the age of the oldest, and copies made or failed. The gauges show what the last
/// replication run saw, so reading them costs no query.
/// </summary>
public sealed class ReplicationMetrics
{
    public const string MeterName = "Coffer";

    private readonly Counter<long> _copied;
    private readonly Counter<long> _failed;
    private long _pending;
    private double _lagSeconds;

    public ReplicationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _copied = meter.CreateCounter<long>("coffer.replication.copied", "{blob}", "Blobs copied to the backup store and verified");
        _failed = meter.CreateCounter<long>("coffer.replication.failed", "{blob}", "Copies to the backup store that failed (retried later)");
        meter.CreateObservableGauge("coffer.replication.pending", () => Interlocked.Read(ref _pending), "{blob}",
            "Blobs without a verified copy in the backup store");
        meter.CreateObservableGauge("coffer.replication.lag", () => Volatile.Read(ref _lagSeconds), "s",
            "Age of the oldest blob without a verified copy in the backup store");
    }

    public void Copied(int count) => _copied.Add(count);

    public void Failed(int count) => _failed.Add(count);

    public void Observed(long pending, TimeSpan lag)
    {
        Interlocked.Exchange(ref _pending, pending);
        Volatile.Write(ref _lagSeconds, lag.TotalSeconds);
    }
}
