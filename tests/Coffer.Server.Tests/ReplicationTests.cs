using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Coffer.Core.Blobs;
using Coffer.Core.Persistence;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests;

/// <summary>
/// The backup store (<c>Coffer:Backup</c>, a local directory here) receives a verified copy of
/// every blob, whichever primary store the suite runs on; it can be down without failing
/// uploads, and the primary store can be rebuilt from it.
/// </summary>
public sealed class ReplicationTests : IDisposable
{
    private readonly string _backupRoot = Directory.CreateTempSubdirectory("coffer-backup-").FullName;

    public void Dispose() => Directory.Delete(_backupRoot, recursive: true);

    private string BackupDir => Path.Combine(_backupRoot, "store");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CofferApp NewApp() => new(("Coffer:Backup:Provider", "Local"), ("Coffer:Backup:Directory", BackupDir));

    private string[] BackupFiles() => Directory.Exists(BackupDir) ? Directory.GetFiles(BackupDir, "*", SearchOption.AllDirectories) : [];

    [Fact]
    public async Task Upload_IsCopiedToTheBackupAsStored_AndShowsAsReplicated()
    {
        using var app = NewApp();
        var user = await app.NewUserAsync();
        var item = await user.UploadAsync("keep.txt", "worth keeping twice");
        Assert.False(item.Replicated);

        await WaitUntilReplicatedAsync(app, user, item.Id);

        var backup = Assert.Single(BackupFiles());
        var stored = Assert.Single(app.StoredBlobs());
        Assert.Equal(app.ReadStoredBlob(stored), await File.ReadAllBytesAsync(backup, Ct)); // sealed blobs stay sealed
        var folder = await user.Client.GetFromJsonAsync<ItemDto>("/api/v1/items/root", Ct);
        Assert.Null(folder!.Replicated);
        Assert.Equal(0, Gauge(app, "coffer.replication.pending"));
    }

    [Fact]
    public async Task BackupDown_UploadsStillSucceed_AndReplicationCatchesUpWhenItReturns()
    {
        Directory.CreateDirectory(_backupRoot);
        await File.WriteAllTextAsync(BackupDir, "a file where the backup directory should be: every copy fails", Ct);
        using var app = NewApp();
        var user = await app.NewUserAsync();
        var items = new List<ItemDto>();
        for (var i = 0; i < 3; i++)
            items.Add(await user.UploadAsync($"file{i}.txt", $"content {i}"));

        await WaitForOutcomeAsync(app, "1 failed");
        Assert.All((await user.ChildrenAsync()).Items, i => Assert.False(i.Replicated));
        Assert.Equal(3, Gauge(app, "coffer.replication.pending"));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
            Assert.Contains(await db.Blobs.ToListAsync(Ct), b => b.ReplicationAttempts > 0 && b.ReplicationDue > app.Clock.GetUtcNow());
        }

        File.Delete(BackupDir); // the backup store is back
        foreach (var item in items)
            await WaitUntilReplicatedAsync(app, user, item.Id);
        Assert.Equal(3, BackupFiles().Length);
        await WaitForOutcomeAsync(app, "0 not yet replicated");
        Assert.Equal(0, Gauge(app, "coffer.replication.pending"));
    }

    [Fact]
    public async Task Restore_RebuildsBlobsMissingFromThePrimaryStore()
    {
        using var app = NewApp();
        var user = await app.NewUserAsync();
        var item = await user.UploadAsync("precious.txt", "do not lose me");
        await WaitUntilReplicatedAsync(app, user, item.Id);

        app.DeleteStoredBlob(Assert.Single(app.StoredBlobs())); // a lost disk or bucket
        Assert.Equal(HttpStatusCode.InternalServerError, (await user.Client.GetAsync($"/api/v1/items/{item.Id}/content", Ct)).StatusCode);

        var (exit, output) = await ConfigurationValidationTests.RunServerAsync(["backup", "restore"], app.ProcessEnvironment());

        Assert.True(exit == 0, output);
        Assert.Contains("Restored 1 blob(s)", output, StringComparison.Ordinal);
        Assert.Equal("do not lose me", await user.Client.GetStringAsync($"/api/v1/items/{item.Id}/content", Ct));
    }

    [Fact]
    public async Task BackupCommand_WithoutABackupStore_SaysHowToConfigureOne()
    {
        using var app = new CofferApp();
        _ = app.Server;

        var (exit, output) = await ConfigurationValidationTests.RunServerAsync(["backup", "status"], app.ProcessEnvironment());

        Assert.Equal(1, exit);
        Assert.Contains("Coffer:Backup:Provider", output, StringComparison.Ordinal);
    }

    /// <summary>The value this app's replication gauge reports now (the meter of its own DI container, not another test's).</summary>
    private static double Gauge(CofferApp app, string name)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        double? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == name)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => value = measurement);
        listener.SetMeasurementEventCallback<double>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException($"No gauge {name}.");
    }

    /// <summary>Lets the replication job's 30-second timer fire (the test clock) until the file shows as replicated.</summary>
    private static async Task WaitUntilReplicatedAsync(CofferApp app, TestUser user, string itemId)
    {
        for (var i = 0; i < 200; i++)
        {
            if ((await user.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/{itemId}", Ct))!.Replicated == true)
                return;
            if (i % 10 == 0)
                app.Clock.Advance(TimeSpan.FromSeconds(31));
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"Item {itemId} was not replicated.");
    }

    private static async Task WaitForOutcomeAsync(CofferApp app, string expected)
    {
        string? outcome = null;
        for (var i = 0; i < 200; i++)
        {
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
                outcome = await db.JobLeases.Where(l => l.Name == "replication").Select(l => l.LastOutcome).SingleOrDefaultAsync(Ct);
            }
            if (outcome?.Contains(expected, StringComparison.Ordinal) == true)
                return;
            if (i % 10 == 0)
                app.Clock.Advance(TimeSpan.FromSeconds(31));
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"The replication job never reported '{expected}'; last: {outcome}");
    }
}
