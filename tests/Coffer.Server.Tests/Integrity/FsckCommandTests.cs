using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Integrity;

/// <summary><c>coffer fsck [--repair]</c> run as the server's executable on a test server's data: its report and exit code.</summary>
public sealed class FsckCommandTests : IDisposable
{
    private readonly string _backupRoot = Directory.CreateTempSubdirectory("coffer-backup-").FullName;

    public void Dispose() => Directory.Delete(_backupRoot, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthyStore_ExitsZero()
    {
        using var app = new CofferApp(IntegrityApp.Quiet());
        var user = await app.NewUserAsync();
        await user.UploadAsync("fine.txt", "fine");

        var (exit, output) = await ConfigurationValidationTests.RunServerAsync(["fsck"], app.ProcessEnvironment());

        Assert.True(exit == 0, output);
        Assert.Contains("checked 1 blob(s)", output, StringComparison.Ordinal);
        Assert.Contains("The store is healthy.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damage_ExitsOneListingEachProblem_AndRepairFromTheBackupExitsZero()
    {
        using var app = new CofferApp(IntegrityApp.Quiet(("Coffer:Backup:Provider", "Local"), ("Coffer:Backup:Directory", _backupRoot)));
        var user = await app.NewUserAsync();
        var flipped = await user.UploadAsync("flipped.txt", "a byte of this changes");
        var lost = await user.UploadAsync("lost.txt", "this one goes missing");
        await ScrubTests.WaitUntilReplicatedAsync(app);
        var flippedKey = (await app.BlobOfAsync(flipped.Id)).StoreKey;
        var lostKey = (await app.BlobOfAsync(lost.Id)).StoreKey;
        var bytes = app.ReadStoredBlob(app.EntryOf(flippedKey));
        bytes[^1] ^= 0x80;
        app.ReplaceStoredBlob(app.EntryOf(flippedKey), bytes);
        app.DeleteStoredBlob(app.EntryOf(lostKey));

        var (exit, output) = await ConfigurationValidationTests.RunServerAsync(["fsck"], app.ProcessEnvironment());

        Assert.True(exit == 1, output);
        Assert.Contains("1 missing, 1 corrupt, 0 repaired", output, StringComparison.Ordinal);
        Assert.Contains($"Missing {lostKey}: the store does not have it", output, StringComparison.Ordinal);
        Assert.Contains($"Corrupt {flippedKey}: ", output, StringComparison.Ordinal);
        Assert.Contains("2 problem(s) remain", output, StringComparison.Ordinal);

        (exit, output) = await ConfigurationValidationTests.RunServerAsync(["fsck", "--repair"], app.ProcessEnvironment());

        Assert.True(exit == 0, output);
        Assert.Contains("1 missing, 1 corrupt, 2 repaired", output, StringComparison.Ordinal);
        Assert.Contains($"Missing (repaired) {lostKey}", output, StringComparison.Ordinal);
        Assert.Contains("Every problem found was repaired.", output, StringComparison.Ordinal);
        Assert.Equal("a byte of this changes", await user.Client.GetStringAsync($"/api/v1/items/{flipped.Id}/content", Ct));
        Assert.Equal("this one goes missing", await user.Client.GetStringAsync($"/api/v1/items/{lost.Id}/content", Ct));
    }

    [Fact]
    public async Task RepairWithoutABackup_StillExitsOne()
    {
        using var app = new CofferApp(IntegrityApp.Quiet());
        var user = await app.NewUserAsync();
        var lost = await user.UploadAsync("lost.txt", "gone");
        app.DeleteStoredBlob(app.EntryOf((await app.BlobOfAsync(lost.Id)).StoreKey));

        var (exit, output) = await ConfigurationValidationTests.RunServerAsync(["fsck", "--repair"], app.ProcessEnvironment());

        Assert.True(exit == 1, output);
        Assert.Contains("not repaired: no backup store is configured", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_PrintsUsage()
    {
        using var app = new CofferApp(IntegrityApp.Quiet());
        _ = app.Server;

        var (exit, output) = await ConfigurationValidationTests.RunServerAsync(["fsck", "--fix"], app.ProcessEnvironment());

        Assert.Equal(2, exit);
        Assert.Contains("Usage: Coffer.Server fsck [--repair]", output, StringComparison.Ordinal);
    }
}
