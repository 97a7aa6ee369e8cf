using Coffer.Core.Quotas;

namespace Coffer.Server.Jobs;

/// <summary>
/// Upload reservations end with their upload; an instance that crashed mid-upload leaves its rows,
/// which would hold quota for nothing. Hourly, this deletes those past their expiry (a day after
/// they were taken). The half-written objects they named are garbage collection's.
/// </summary>
internal sealed class ReservationSweepJob(IServiceProvider services, TimeProvider clock, ILogger<ReservationSweepJob> logger)
    : LeasedJob(services, clock, logger)
{
    protected override string Name => "reservation-sweep";

    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var swept = await scoped.GetRequiredService<QuotaService>().SweepExpiredAsync(cancellationToken);
        return $"deleted {swept} expired upload reservation(s)";
    }
}
