using Coffer.Core.Blobs;
using Coffer.Core.Integrity;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Integrity;

/// <summary>Garbage collection over the local store, with objects' ages set on disk: by age, by name, and past one batch of look-ups.</summary>
public sealed class GarbageCollectorTests
{
    private static Task<CoreHarness> StartAsync() => CoreHarness.StartAsync(configure: services => services
        .Configure<GcOptions>(o => o.GraceHours = 24)
        .AddScoped<GarbageCollector>());

    [Fact]
    public async Task Orphans_OlderThanTheGracePeriod_AreRemoved_AcrossManyBatches_OthersStay()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var upload = await h.UploadAsync(user.Id, "kept.txt", "in use"u8.ToArray());
        var now = h.Clock.GetUtcNow();
        var old = now - TimeSpan.FromHours(25);
        var orphans = Enumerable.Range(0, GarbageCollector.BatchSize * 2 + 7).Select(_ => BlobKey.For(user.Id, Guid.CreateVersion7())).ToList();
        foreach (var key in orphans)
            WriteFile(h, key, old);
        var young = BlobKey.For(user.Id, Guid.CreateVersion7());
        WriteFile(h, young, now - TimeSpan.FromHours(23));
        foreach (var key in await h.BlobKeysOfAsync(upload.Item.Id))
            File.SetLastWriteTimeUtc(h.BlobPath(key), old.UtcDateTime); // in use, however old

        GcReport report;
        await using (var session = h.Scope())
            report = await session.Get<GarbageCollector>().CollectAsync(() => Task.CompletedTask, Ct);

        Assert.Equal(new GcReport(0, orphans.Count, 0), report);
        Assert.All(orphans, key => Assert.False(File.Exists(h.BlobPath(key))));
        Assert.True(File.Exists(h.BlobPath(young)));
        Assert.Equal("in use"u8.ToArray(), await h.DownloadAsync(user.Id, upload.Item.Id.ToString()));
    }

    [Fact]
    public void Report_CountsWhatIsStillWrong()
    {
        var report = new ScrubReport(Checked: 10, BytesRead: 100, Missing: 2, Corrupt: 1, Repaired: 2, Orphans: 1, NotYetVerified: 0);

        Assert.Equal(2, report.Unresolved); // one corrupt blob not repaired, one orphan
        Assert.StartsWith("checked 10 blob(s) (100 bytes): 2 missing, 1 corrupt, 2 repaired", report.Summary, StringComparison.Ordinal);
    }

    private static void WriteFile(CoreHarness h, string key, DateTimeOffset modified)
    {
        var path = h.BlobPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
    }
}
