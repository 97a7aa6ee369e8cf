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
        services.AddHostedService<RetentionJob>();
        return services;
    }
}
