using Coffer.Core;
using Coffer.Core.Blobs;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

/// <summary>
/// <c>Coffer.Server backup status|restore</c>: the backup store from the command line, with the
/// server's own settings. <c>restore</c> rebuilds the primary store's missing blobs from the
/// backup (after a lost disk or bucket); it can run while servers run, and again after an interruption.
/// </summary>
public static class BackupCommands
{
    public const string Usage = """
        Usage: Coffer.Server backup <command>
          status    how many stored files have no verified copy in the backup store yet
          restore   copy back from the backup store every blob the primary store is missing (each copy verified)
        """;

    public static bool IsBackupCommand(string[] args) => args.Length > 0 && args[0] == "backup";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var output = Console.Out;
        var cancellationToken = app.Lifetime.ApplicationStopping;
        try
        {
            if (app.Services.GetService<BackupStore>() is null)
                throw new StartupException("No backup store is configured: set Coffer:Backup:Provider (Local or S3) and its settings.");
            await StartupTasks.PrepareDatabaseAsync(app.Services, serving: false, cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            var replicator = scope.ServiceProvider.GetRequiredService<Replicator>();
            switch (args.Length > 1 ? args[1] : "")
            {
                case "status":
                    await output.WriteLineAsync($"{await replicator.PendingAsync(cancellationToken)} stored file(s) have no verified copy in the backup store yet.");
                    return 0;
                case "restore":
                    var report = await replicator.RestoreMissingAsync(cancellationToken);
                    await output.WriteLineAsync($"Restored {report.Copied} blob(s) from the backup store; {report.Failed} could not be restored (logged above).");
                    return report.Failed == 0 ? 0 : 3;
                default:
                    await Console.Error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        catch (Exception ex) when (ex is StartupException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"coffer backup: {ex.Message}");
            return 1;
        }
    }
}
