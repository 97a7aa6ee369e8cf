using Coffer.Core;
using Coffer.Core.Integrity;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

/// <summary>
/// <c>Coffer.Server fsck [--repair]</c>: a full scrub now, with the server's own settings. It
/// reads every blob back, lists the store for orphans, prints each problem, and exits 0 when the
/// store is healthy, 1 when problems remain. <c>--repair</c> first collects garbage (orphans past
/// their grace period), then copies damaged or missing blobs back from the backup store. It can
/// run while servers run.
/// </summary>
public static class FsckCommand
{
    public const string Usage = """
        Usage: Coffer.Server fsck [--repair]
          reads every stored blob back and checks it against the metadata (size, SHA-256, authentication)
          --repair   also restore damaged or missing blobs from the backup store, and remove orphans past the grace period
        """;

    public static bool IsFsckCommand(string[] args) => args.Length > 0 && args[0] == "fsck";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var output = Console.Out;
        var cancellationToken = app.Lifetime.ApplicationStopping;
        var options = args.Skip(1).ToList();
        if (options.Any(o => o != "--repair"))
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        var repair = options.Count > 0;
        try
        {
            await StartupTasks.PrepareDatabaseAsync(app.Services, serving: false, cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            var services = scope.ServiceProvider;
            if (repair)
            {
                var collected = await services.GetRequiredService<GarbageCollector>().CollectAsync(() => Task.CompletedTask, cancellationToken);
                await output.WriteLineAsync($"Garbage collection removed {collected.Rows} unused blob(s), {collected.Objects} orphan object(s) " +
                    $"and {collected.BackupCopies} backup cop(ies).");
            }
            var report = await services.GetRequiredService<Scrubber>().ScrubAsync(0, repair, () => Task.CompletedTask, cancellationToken);
            await output.WriteLineAsync($"Scrub: {report.Summary}.");
            var findings = await IntegrityReport.CurrentAsync(services.GetRequiredService<CofferDb>(), cancellationToken);
            foreach (var finding in findings)
            {
                var state = finding.Repaired is null ? "" : " (repaired)";
                await output.WriteLineAsync($"  {finding.Problem}{state} {finding.StoreKey}: {finding.Detail}");
            }
            if (report.Unresolved == 0)
            {
                await output.WriteLineAsync(report.Repaired > 0 ? "Every problem found was repaired." : "The store is healthy.");
                return 0;
            }
            await output.WriteLineAsync($"{report.Unresolved} problem(s) remain." +
                (repair ? "" : " Run fsck --repair to restore what the backup store holds."));
            return 1;
        }
        catch (Exception ex) when (ex is StartupException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"coffer fsck: {ex.Message}");
            return 1;
        }
    }
}
