using Coffer.Core.Blobs;
using Coffer.Core.Integrity;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Jobs;

/// <summary>Garbage collection (<see cref="GarbageCollector"/>) every <c>Coffer:Gc:IntervalHours</c>, on one instance.</summary>
internal sealed class GcJob(IServiceProvider services, IOptions<GcOptions> options, TimeProvider clock, ILogger<GcJob> logger)
    : LeasedJob(services, clock, logger)
{
    protected override string Name => "gc";

    protected override TimeSpan Interval => TimeSpan.FromHours(options.Value.IntervalHours > 0 ? options.Value.IntervalHours : 1);

    protected override bool Enabled => options.Value.IntervalHours > 0;

    protected override bool RunsOnlyWhenDue => true;

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var report = await scoped.GetRequiredService<GarbageCollector>().CollectAsync(renewLease, cancellationToken);
        return $"removed {report.Rows} unused blob(s), {report.Objects} orphan object(s) and {report.BackupCopies} backup cop(ies) " +
            $"older than {options.Value.GraceHours:0.##} hour(s)";
    }
}

/// <summary>
/// The integrity scrub (<see cref="Scrubber"/>) every <c>Coffer:Scrub:IntervalHours</c>, on one
/// instance, reading at most <c>MaxBytesPerRun</c> each time; it repairs from the backup store when one is configured.
/// </summary>
internal sealed class ScrubJob(IServiceProvider services, IOptions<ScrubOptions> options, TimeProvider clock, ILogger<ScrubJob> logger)
    : LeasedJob(services, clock, logger)
{
    public const string JobName = "scrub";

    protected override string Name => JobName;

    protected override TimeSpan Interval => TimeSpan.FromHours(options.Value.IntervalHours > 0 ? options.Value.IntervalHours : 1);

    protected override bool Enabled => options.Value.IntervalHours > 0;

    protected override bool RunsOnlyWhenDue => true;

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var repair = scoped.GetService<BackupStore>() is not null;
        var limit = options.Value.MaxBytesPerRun > 0 ? options.Value.MaxBytesPerRun : 0;
        var report = await scoped.GetRequiredService<Scrubber>().ScrubAsync(limit, repair, renewLease, cancellationToken);
        return report.Summary;
    }
}

public static class IntegrityServices
{
    /// <summary>Garbage collection and the scrub: their settings (checked at start) and services, for the jobs and <c>coffer fsck</c>.</summary>
    public static IServiceCollection AddCofferIntegrity(this IServiceCollection services)
    {
        services.AddOptions<GcOptions>().BindConfiguration(GcOptions.Section)
            .Validate(o => o.GraceHours >= 0, "Coffer:Gc:GraceHours must be 0 or more hours.")
            .Validate(o => o.IntervalHours >= 0, "Coffer:Gc:IntervalHours must be 0 (off) or more hours.")
            .ValidateOnStart();
        services.AddOptions<ScrubOptions>().BindConfiguration(ScrubOptions.Section)
            .Validate(o => o.IntervalHours >= 0, "Coffer:Scrub:IntervalHours must be 0 (off) or more hours.")
            .Validate(o => o.MaxBytesPerRun >= 0, "Coffer:Scrub:MaxBytesPerRun must be 0 (no limit) or a number of bytes.")
            .ValidateOnStart();
        services.AddScoped<GarbageCollector>();
        services.AddScoped<Scrubber>();
        return services;
    }
}
