using Coffer.Core;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Core.Drive;
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
        await services.MigrateCofferDatabaseAsync(cancellationToken);
        services.GetService<LocalBlobStore>()?.RemoveAbandonedPartials();
        _ = services.GetRequiredService<DownloadLinks.SigningKey>(); // created now, or a damaged key file stops start-up
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<KeyCheck>().RunAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory: {DataDir}")]
    private partial void LogDataDir(string dataDir);
}
