using Coffer.Core.Lifecycle;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Jobs;

/// <summary>How often the lifecycle job runs the enabled rules: <c>Coffer:Lifecycle:IntervalHours</c> (default 24).</summary>
public sealed class LifecycleOptions
{
    public const string Section = "Coffer:Lifecycle";

    public double IntervalHours { get; set; } = 24;
}

/// <summary>
/// Runs every enabled lifecycle rule once per interval, on one instance (the lease). Each rule
/// records its own outcome; the job's outcome (GET /api/v1/admin/jobs) sums them up.
/// </summary>
internal sealed class LifecycleJob(IServiceProvider services, IOptions<LifecycleOptions> options, TimeProvider clock, ILogger<LifecycleJob> logger)
    : LeasedJob(services, clock, logger)
{
    protected override string Name => "lifecycle";

    protected override TimeSpan Interval => TimeSpan.FromHours(options.Value.IntervalHours);

    protected override bool Enabled => options.Value.IntervalHours > 0;

    protected override bool RunsOnlyWhenDue => true;

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var outcomes = await scoped.GetRequiredService<LifecycleService>().RunEnabledAsync(renewLease, cancellationToken);
        if (outcomes.Count == 0)
            return "no enabled rules";
        var summary = $"{outcomes.Count} rule{(outcomes.Count == 1 ? "" : "s")}: " + string.Join("; ", outcomes.Select(o => $"{o.Rule.Name}: {o.Outcome}"));
        return summary.Length <= 2000 ? summary : summary[..1997] + "...";
    }
}
