using Coffer.Core;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Coffer.Data;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

/// <summary>Work that must finish before the first request: schema migration, crash clean-up, server keys.</summary>
internal sealed partial class StartupTasks(
    IServiceProvider services,
    IOptions<DataDirOptions> dataDir,
    ILogger<StartupTasks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        LogDataDir(dataDir.Value.FullPath);
        services.GetRequiredService<DataDirLock>().AcquireForServer();
        await PrepareDatabaseAsync(services, serving: true, cancellationToken);
        services.GetService<LocalBlobStore>()?.RemoveAbandonedPartials();
    }

    /// <summary>
    /// Schema up to date and every item's search key filled in; then, for a server
    /// (<paramref name="serving"/>), the encryption keys checked (the first one created on a first
    /// run) and the shared server keys loaded: all under the migration lock, so instances starting
    /// together on a shared key directory agree on one key. Commands (keys, backup) need the
    /// schema only.
    /// </summary>
    internal static Task PrepareDatabaseAsync(IServiceProvider services, bool serving, CancellationToken cancellationToken)
    {
        var dataDir = services.GetRequiredService<IOptions<DataDirOptions>>().Value.FullPath;
        return services.MigrateCofferDatabaseAsync(async db =>
        {
            await SearchNameBackfill.RunAsync(db, cancellationToken);
            if (!serving)
                return;
            await using (var scope = services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<KeyCheck>().RunAsync(cancellationToken);
            await services.GetRequiredService<ServerKeys>().LoadAsync(db, dataDir, cancellationToken);
        }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory: {DataDir}")]
    private partial void LogDataDir(string dataDir);
}
