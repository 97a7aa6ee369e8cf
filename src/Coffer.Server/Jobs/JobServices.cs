namespace Coffer.Server.Jobs;

public static class JobServices
{
    /// <summary>The background jobs; call after the start-up tasks are registered (hosted services start in order).</summary>
    public static IServiceCollection AddCofferJobs(this IServiceCollection services)
    {
        services.AddHostedService<SealExistingJob>();
        services.AddHostedService<MultipartSweepJob>();
        services.AddHostedService<ReplicationJob>();
        services.AddHostedService<ThumbnailJob>();
        services.AddCofferIntegrity().AddHostedService<GcJob>().AddHostedService<ScrubJob>();
        services.AddHostedService<ReservationSweepJob>();
        services.AddOptions<LifecycleOptions>().BindConfiguration(LifecycleOptions.Section)
            .Validate(o => o.IntervalHours is >= 0 and <= 1000, "Coffer:Lifecycle:IntervalHours must be between 0 (off) and 1000.").ValidateOnStart();
        services.AddHostedService<LifecycleJob>();
        services.AddHostedService<RetentionJob>();
        return services;
    }
}
