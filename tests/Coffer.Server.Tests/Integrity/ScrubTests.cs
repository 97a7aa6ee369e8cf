using System.Net;
using System.Net.Http.Json;
using Coffer.Core.Integrity;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Tests.Integrity;

/// <summary>
/// The scrub reads every blob back: a healthy store reports nothing; a flipped byte (sealed or
/// plaintext) and a missing blob are found, and repaired from the backup store when it has a
/// verified copy; without one they stay reported.
/// </summary>
public sealed class ScrubTests : IDisposable
{
    private readonly string _backupRoot = Directory.CreateTempSubdirectory("coffer-backup-").FullName;

    public void Dispose() => Directory.Delete(_backupRoot, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CofferApp WithBackup(params (string, string?)[] settings) =>
        new(IntegrityApp.Quiet([("Coffer:Backup:Provider", "Local"), ("Coffer:Backup:Directory", _backupRoot), .. settings]));

    [Fact]
    public async Task HealthyStore_ReportsNothing()
    {
        using var app = new CofferApp(IntegrityApp.Quiet());
        var admin = await app.NewUserAsync();
        var user = await app.NewUserAsync();
        for (var i = 0; i < 3; i++)
            await user.UploadAsync($"file{i}.txt", $"content {i}");
        await user.UploadAsync("empty.txt", []);
        await app.UnusedBlobAsync(user.Id, "a blob row nothing uses yet: garbage, not damage"u8.ToArray());

        var report = await app.ScrubAsync();

        Assert.Equal(5, report.Checked);
        Assert.Equal(0, report.Unresolved);
        Assert.Equal((0, 0, 0, 0), (report.Missing, report.Corrupt, report.Orphans, report.NotYetVerified));
        Assert.Empty(await app.FindingsAsync());
        Assert.True(await app.WithDbAsync(db => db.Blobs.AllAsync(b => b.VerifiedAt != null, Ct)));
        var integrity = await admin.Client.GetFromJsonAsync<IntegrityDto>("/api/v1/admin/integrity", Ct);
        Assert.Equal(0, integrity!.Unrepaired);
        Assert.Empty(integrity.Findings);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FlippedByteAndMissingBlob_AreFound_ThenRepairedFromTheBackup(bool sealed_)
    {
        using var app = WithBackup(("Coffer:Encryption:Enabled", sealed_ ? "true" : "false"));
        var admin = await app.NewUserAsync();
        var flipped = await admin.UploadAsync("flipped.txt", "one byte of this will change in storage");
        var lost = await admin.UploadAsync("lost.txt", "this one disappears from the store");
        var fine = await admin.UploadAsync("fine.txt", "untouched");
        await WaitUntilReplicatedAsync(app);
        var flippedKey = (await app.BlobOfAsync(flipped.Id)).StoreKey;
        var lostKey = (await app.BlobOfAsync(lost.Id)).StoreKey;
        var stored = app.ReadStoredBlob(app.EntryOf(flippedKey));
        stored[^3] ^= 0x01;
        app.ReplaceStoredBlob(app.EntryOf(flippedKey), stored);
        app.DeleteStoredBlob(app.EntryOf(lostKey));

        var found = await app.ScrubAsync();

        Assert.Equal((1, 1, 0), (found.Missing, found.Corrupt, found.Repaired));
        Assert.Equal(2, found.Unresolved);
        var findings = await app.FindingsAsync();
        var corrupt = Assert.Single(findings, f => f.Problem == IntegrityProblem.Corrupt);
        Assert.Equal(flippedKey, corrupt.StoreKey);
        Assert.Contains(sealed_ ? "authenticate" : "SHA-256", corrupt.Detail, StringComparison.Ordinal);
        Assert.Equal(lostKey, Assert.Single(findings, f => f.Problem == IntegrityProblem.Missing).StoreKey);
        Assert.All(findings, f => Assert.Null(f.Repaired));
        var integrity = await admin.Client.GetFromJsonAsync<IntegrityDto>("/api/v1/admin/integrity", Ct);
        Assert.Equal(2, integrity!.Unrepaired);
        Assert.Equal(["corrupt", "missing"], integrity.Findings.Select(f => f.Problem).Order());

        var repaired = await app.ScrubAsync(repair: true);

        Assert.Equal((1, 1, 2), (repaired.Missing, repaired.Corrupt, repaired.Repaired));
        Assert.Equal(0, repaired.Unresolved);
        Assert.All(await app.FindingsAsync(), f => Assert.NotNull(f.Repaired));
        Assert.Equal("one byte of this will change in storage", await admin.Client.GetStringAsync($"/api/v1/items/{flipped.Id}/content", Ct));
        Assert.Equal("this one disappears from the store", await admin.Client.GetStringAsync($"/api/v1/items/{lost.Id}/content", Ct));
        Assert.Equal("untouched", await admin.Client.GetStringAsync($"/api/v1/items/{fine.Id}/content", Ct));
        integrity = await admin.Client.GetFromJsonAsync<IntegrityDto>("/api/v1/admin/integrity", Ct);
        Assert.Equal((0, 2), (integrity!.Unrepaired, integrity.Repaired));

        var after = await app.ScrubAsync();

        Assert.Equal(0, after.Unresolved);
        Assert.Empty(await app.FindingsAsync()); // found healthy again: the repaired findings are done with
    }

    [Fact]
    public async Task WithoutABackup_FindingsStayUnrepaired()
    {
        using var app = new CofferApp(IntegrityApp.Quiet());
        var user = await app.NewUserAsync();
        var lost = await user.UploadAsync("lost.txt", "gone");
        app.DeleteStoredBlob(app.EntryOf((await app.BlobOfAsync(lost.Id)).StoreKey));

        var report = await app.ScrubAsync(repair: true);

        Assert.Equal((1, 0, 1), (report.Missing, report.Repaired, report.Unresolved));
        var finding = Assert.Single(await app.FindingsAsync());
        Assert.Null(finding.Repaired);
        Assert.Contains("no backup store", finding.Detail, StringComparison.Ordinal);

        Assert.Equal(1, (await app.ScrubAsync(repair: true)).Unresolved);
        Assert.Single(await app.FindingsAsync()); // found again: still one finding, not two
    }

    [Fact]
    public async Task OrphanObject_IsReported_AndDropsOutOnceCollected()
    {
        using var app = new CofferApp(IntegrityApp.Quiet());
        var user = await app.NewUserAsync();
        app.CatchUpWithTheStore();
        await user.UploadAsync("kept.txt", "kept");
        var orphan = await app.WriteObjectAsync(user.Id, "nobody's"u8.ToArray());

        var report = await app.ScrubAsync();

        Assert.Equal((1, 1), (report.Orphans, report.Unresolved));
        var finding = Assert.Single(await app.FindingsAsync());
        Assert.Equal((IntegrityProblem.Orphan, orphan), (finding.Problem, finding.StoreKey));

        app.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(1, (await app.CollectAsync()).Objects);
        Assert.Empty(await app.FindingsAsync());
        Assert.Equal(0, (await app.ScrubAsync()).Unresolved);
    }

    [Fact]
    public async Task Budget_ScrubsABigStoreOverSeveralRuns_LongestUnverifiedFirst()
    {
        using var app = new CofferApp(IntegrityApp.Quiet(("Coffer:Encryption:Enabled", "false")));
        var user = await app.NewUserAsync();
        for (var i = 0; i < 4; i++)
            await user.UploadAsync($"file{i}.txt", new string((char)('a' + i), 100));

        var first = await app.ScrubAsync(maxBytes: 150); // the blob that crosses the line is read whole
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var secondAt = app.Clock.GetUtcNow();
        var second = await app.ScrubAsync(maxBytes: 150);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var third = await app.ScrubAsync(maxBytes: 150);

        Assert.Equal((2, 2), (first.Checked, first.NotYetVerified));
        Assert.Equal((2, 2), (second.Checked, second.NotYetVerified)); // the never-verified two; the first run's two are older now
        Assert.Equal((2, 2), (third.Checked, third.NotYetVerified));
        var verified = await app.WithDbAsync(db => db.Blobs.Select(b => b.VerifiedAt).ToListAsync(Ct));
        Assert.Equal(2, verified.Count(v => v == secondAt)); // the third run took the two verified longest ago, not these
        Assert.Equal(2, verified.Count(v => v == app.Clock.GetUtcNow()));
    }

    /// <summary>Lets the replication job's timer fire (the test clock) until every blob has a verified backup copy.</summary>
    internal static async Task WaitUntilReplicatedAsync(CofferApp app)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await app.WithDbAsync(db => db.Blobs.AllAsync(b => b.ReplicatedAt != null, Ct)))
                return;
            if (i % 10 == 0)
                app.Clock.Advance(TimeSpan.FromSeconds(31));
            await Task.Delay(50, Ct);
        }
        Assert.Fail("The blobs were not replicated.");
    }
}
