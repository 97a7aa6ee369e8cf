using Coffer.Core.Crypto;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

/// <summary>
/// With <c>Coffer:Encryption:SealExisting=true</c>, encrypts in the background, once per start,
/// the files stored while encryption was off (what <c>keys seal-plaintext</c> does by hand).
/// It is resumable: an interrupted run continues at the next start.
/// </summary>
internal sealed partial class SealExistingJob(IServiceProvider services, IOptions<EncryptionOptions> options, ILogger<SealExistingJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !options.Value.SealExisting)
            return;
        try
        {
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<KeyMaintenance>().SealPlaintextAsync(stoppingToken);
            LogDone(result.Done, result.Failed);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: the next start carries on
        }
#pragma warning disable CA1031 // a background job must not take the server down; it says what went wrong
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted {Count} file(s) stored while encryption was off; {Skipped} skipped (logged above)")]
    private partial void LogDone(int count, int skipped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Encrypting files stored while encryption was off failed; it will be tried again at the next start")]
    private partial void LogFailed(Exception exception);
}
