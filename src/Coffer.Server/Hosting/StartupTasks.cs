using Coffer.Core;
using Coffer.Core.Blobs;
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
        LogNoEncryptionYet();
        await services.MigrateCofferDatabaseAsync(cancellationToken);
        services.GetService<LocalBlobStore>()?.RemoveAbandonedPartials();
        _ = services.GetRequiredService<DownloadLinks.SigningKey>(); // created now, or a damaged key file stops start-up
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encryption at rest is not built yet: blobs are stored as plaintext (Coffer:Encryption:Enabled has no effect in this version)")]
    private partial void LogNoEncryptionYet();

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory: {DataDir}")]
    private partial void LogDataDir(string dataDir);
}
