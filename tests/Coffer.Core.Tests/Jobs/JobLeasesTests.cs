using Coffer.Core.Jobs;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Jobs;

/// <summary>A job's lease: one holder at a time, renewable by its holder, taken over once it expires.</summary>
public sealed class JobLeasesTests
{
    private static JobLeases Instance(CoreHarness h, string name) => new(h.OpenDb(), new InstanceName(name), h.Clock);

    [Fact]
    public async Task Lease_OneHolderAtATime_RenewedByItsHolder_TakenOverOnceExpired()
    {
        await using var h = await StartAsync();
        var a = Instance(h, "a");
        var b = Instance(h, "b");

        Assert.True(await a.TryTakeAsync("job", TimeSpan.FromMinutes(1), Ct));
        Assert.False(await b.TryTakeAsync("job", TimeSpan.FromMinutes(1), Ct));
        h.Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.True(await a.TryTakeAsync("job", TimeSpan.FromMinutes(1), Ct)); // renewed until +110 s
        h.Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.False(await b.TryTakeAsync("job", TimeSpan.FromMinutes(1), Ct));

        h.Clock.Advance(TimeSpan.FromSeconds(61)); // a stopped renewing
        Assert.True(await b.TryTakeAsync("job", TimeSpan.FromMinutes(1), Ct));
        Assert.False(await a.TryTakeAsync("job", TimeSpan.FromMinutes(1), Ct));
    }

    [Fact]
    public async Task Release_LetsAnotherInstanceTakeItAtOnce_AndOnlyTheHolderRecordsRuns()
    {
        await using var h = await StartAsync();
        var a = Instance(h, "a");
        var b = Instance(h, "b");
        Assert.True(await a.TryTakeAsync("job", TimeSpan.FromMinutes(10), Ct));

        await b.RecordRunAsync("job", "not mine", Ct);
        await a.RecordRunAsync("job", "copied 3", Ct);
        await a.ReleaseAsync("job", Ct);

        Assert.True(await b.TryTakeAsync("job", TimeSpan.FromMinutes(10), Ct));
        await using var db = h.OpenDb();
        var lease = await db.JobLeases.SingleAsync(l => l.Name == "job", Ct);
        Assert.Equal("b", lease.Holder);
        Assert.Equal("copied 3", lease.LastOutcome);
        Assert.Equal(h.Clock.GetUtcNow(), lease.LastRun);
    }

    [Fact]
    public async Task Leases_OfDifferentJobs_AreIndependent()
    {
        await using var h = await StartAsync();

        Assert.True(await Instance(h, "a").TryTakeAsync("replication", TimeSpan.FromMinutes(1), Ct));
        Assert.True(await Instance(h, "b").TryTakeAsync("multipart-sweep", TimeSpan.FromMinutes(1), Ct));
    }

    /// <summary>A long job that runs only when due: not again after a restart if another instance ran it lately.</summary>
    [Fact]
    public async Task IsDue_UntilTheLastRunOfAnyInstanceIsAnIntervalOld()
    {
        await using var h = await StartAsync();
        var a = Instance(h, "a");
        var b = Instance(h, "b");
        Assert.True(await b.IsDueAsync("scrub", TimeSpan.FromHours(24), Ct)); // never ran

        Assert.True(await a.TryTakeAsync("scrub", TimeSpan.FromMinutes(10), Ct));
        await a.RecordRunAsync("scrub", "clean", Ct);
        await a.ReleaseAsync("scrub", Ct);
        h.Clock.Advance(TimeSpan.FromHours(23));
        Assert.False(await b.IsDueAsync("scrub", TimeSpan.FromHours(24), Ct));
        h.Clock.Advance(TimeSpan.FromHours(1));
        Assert.True(await b.IsDueAsync("scrub", TimeSpan.FromHours(24), Ct));
    }
}
