using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coffer.Core.Persistence;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests;

/// <summary>
/// Lifecycle rules through the admin API on the suite's stack: what a dry run lists is what a run
/// does, a second run does nothing, scope and age hold, moved blobs read back identically (the
/// local cold directory, or an S3 storage class checked with HeadObject), and only admins get in.
/// Files are aged by moving their dates back in the database (Modified, and their blobs'
/// Created): advancing the test clock by weeks would fire every job timer that often.
/// </summary>
public sealed class LifecycleTests
{
    private const string Rules = "/api/v1/admin/lifecycle-rules";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The colder class the stack's store offers: the cold directory, or the class tests/infra/ceph-start.sh adds.</summary>
    private static string ColderClass(CofferApp app) => app.Stack == StackKind.Embedded ? "COLD" : "STANDARD_IA";

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<LifecycleRuleDto> CreateRuleAsync(TestUser admin, object rule)
    {
        var response = await admin.Client.PostAsJsonAsync(Rules, rule, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<LifecycleRuleDto>(Ct))!;
        Assert.Equal($"{Rules}/{created.Id}", response.Headers.Location?.OriginalString);
        return created;
    }

    private static async Task<LifecycleReportDto> PostReportAsync(TestUser admin, string ruleId, string what)
    {
        var response = await admin.Client.PostAsync($"{Rules}/{ruleId}/{what}", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<LifecycleReportDto>(Ct))!;
    }

    private static async Task<HttpStatusCode> StatusOfAsync(TestUser user, string itemId) =>
        (await user.Client.GetAsync($"/api/v1/items/{itemId}", Ct)).StatusCode;

    private static async Task<T> WithDbAsync<T>(CofferApp app, Func<CofferDb, Task<T>> query)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<CofferDb>());
    }

    /// <summary>Makes files look <paramref name="age"/> older: last modified, and their blobs written, that much earlier.</summary>
    private static async Task AgeAsync(CofferApp app, TimeSpan age, params ItemDto[] files)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        foreach (var file in files)
        {
            var id = Guid.Parse(file.Id);
            var item = await db.Items.SingleAsync(i => i.Id == id, Ct);
            item.Modified -= age;
            foreach (var blob in await db.FileVersions.Where(v => v.ItemId == id).Select(v => v.Blob).ToListAsync(Ct))
                blob.Created -= age;
        }
        await db.SaveChangesAsync(Ct);
    }

    /// <summary>The blobs of a file's versions: store key and recorded class.</summary>
    private static Task<List<(string Key, string? Class)>> BlobsOfAsync(CofferApp app, string itemId) =>
        WithDbAsync(app, async db =>
        {
            var id = Guid.Parse(itemId);
            var rows = await db.FileVersions.AsNoTracking().Where(v => v.ItemId == id)
                .Select(v => new { v.Blob.StoreKey, v.Blob.StorageClass }).ToListAsync(Ct);
            return rows.ConvertAll(r => (r.StoreKey, r.StorageClass));
        });

    /// <summary>Where the store really keeps the blob: which directory holds the file, or the object's class on a HEAD.</summary>
    private static async Task<string> StoredClassAsync(CofferApp app, string key)
    {
        if (app.Stack == StackKind.Embedded)
        {
            var hot = File.Exists(Path.Combine(app.BlobDir, key));
            var cold = File.Exists(Path.Combine(app.DataDir, "blobs-cold", key));
            Assert.True(hot ^ cold, $"the blob is in {(hot ? "both directories" : "neither directory")}");
            return hot ? "STANDARD" : "COLD";
        }
        using var s3 = TestStack.S3Client();
        var head = await s3.GetObjectMetadataAsync(TestStack.Bucket, TestStack.PrefixFor(app.DataDir) + key, Ct);
        return head.StorageClass?.Value is { Length: > 0 } value ? value : "STANDARD";
    }

    /// <summary>
    /// An app whose lifecycle job is off, so only the test's own dry runs and runs act on its rules:
    /// the job's first run at start-up, late on a loaded machine, could otherwise do a rule's work first.
    /// </summary>
    private static CofferApp AppWithoutTheJob(params (string Key, string? Value)[] settings) =>
        new([("Coffer:Lifecycle:IntervalHours", "0"), .. settings]);

    [Fact]
    public async Task TrashRule_OnAFolder_DryRunChangesNothing_RunDoesExactlyThat_SecondRunNothing()
    {
        using var app = AppWithoutTheJob();
        var admin = await app.NewUserAsync("admin@example.com");
        var other = await app.NewUserAsync("other@example.com");
        var archive = await admin.CreateFolderAsync("Archive");
        var sub = await admin.CreateFolderAsync("Sub", archive.Id);
        var oldTop = await admin.UploadAsync("old.txt", "old at the top", archive.Id);
        var oldDeep = await admin.UploadAsync("deep.txt", "old below", sub.Id);
        var outside = await admin.UploadAsync("outside.txt", "old, outside the folder");
        var othersOld = await other.UploadAsync("theirs.txt", "another user's old file");
        await AgeAsync(app, TimeSpan.FromDays(31), oldTop, oldDeep, outside, othersOld);
        var fresh = await admin.UploadAsync("fresh.txt", "new", archive.Id);
        await AgeAsync(app, TimeSpan.FromDays(29), fresh);

        var rule = await CreateRuleAsync(admin, new { name = "Archive after 30 days", folderId = archive.Id, action = "trash", afterDays = 30 });
        Assert.Equal("/Archive", rule.FolderPath);
        Assert.Equal("admin@example.com", rule.FolderOwner);
        Assert.Equal("trash", rule.Action);
        Assert.True(rule.Enabled);
        Assert.Null(rule.LastRun);

        var dry = await PostReportAsync(admin, rule.Id, "dry-run");
        Assert.True(dry.DryRun);
        Assert.Equal(2, dry.WouldAffect);
        Assert.Null(dry.Affected);
        Assert.Equal(oldTop.Size + oldDeep.Size, dry.Bytes);
        Assert.Equal(
            new[] { (oldTop.Id, "/Archive/old.txt"), (oldDeep.Id, "/Archive/Sub/deep.txt") }.OrderBy(e => e.Item1),
            dry.Sample.Select(s => (s.ItemId, s.Path)).OrderBy(e => e.Item1));
        Assert.All(dry.Sample, s => Assert.Equal("admin@example.com", s.Owner));
        Assert.All(dry.Sample, s => Assert.NotNull(s.Modified));
        Assert.StartsWith("would move 2 files", dry.Outcome, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(admin, oldTop.Id)); // a dry run changes nothing
        Assert.Null((await admin.Client.GetFromJsonAsync<LifecycleRuleDto>($"{Rules}/{rule.Id}", Ct))!.LastRun);

        var run = await PostReportAsync(admin, rule.Id, "run");

        Assert.False(run.DryRun);
        Assert.Equal(2, run.Affected);
        Assert.Equal(dry.Bytes, run.Bytes);
        Assert.Equal(dry.Sample.Select(s => s.ItemId).Order(), run.Sample.Select(s => s.ItemId).Order());
        Assert.StartsWith("moved 2 files", run.Outcome, StringComparison.Ordinal);
        Assert.EndsWith("to the trash", run.Outcome, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(admin, oldTop.Id));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(admin, oldDeep.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(admin, fresh.Id)); // too young
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(admin, outside.Id)); // outside the folder
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(other, othersOld.Id)); // another user's
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(admin, sub.Id)); // folders are not files
        var recorded = (await admin.Client.GetFromJsonAsync<LifecycleRuleDto>($"{Rules}/{rule.Id}", Ct))!;
        Assert.Equal(app.Clock.GetUtcNow(), recorded.LastRun);
        Assert.Equal(run.Outcome, recorded.LastOutcome);

        var again = await PostReportAsync(admin, rule.Id, "run");
        Assert.Equal(0, again.Affected);
        Assert.Empty(again.Sample);
        Assert.Equal(0, (await PostReportAsync(admin, rule.Id, "dry-run")).WouldAffect);
    }

    [Fact]
    public async Task DeleteForeverRule_OnTheWholeStore_TakesEveryUsersOldFilesOnly()
    {
        using var app = AppWithoutTheJob();
        var admin = await app.NewUserAsync();
        var alice = await app.NewUserAsync();
        var folder = await alice.CreateFolderAsync("Docs");
        var a = await admin.UploadAsync("a.txt", "admin's");
        var b = await alice.UploadAsync("b.txt", "alice's", folder.Id);
        var young = await alice.UploadAsync("young.txt", "younger");
        await AgeAsync(app, TimeSpan.FromDays(11), a, b);
        await AgeAsync(app, TimeSpan.FromDays(9), young);

        var rule = await CreateRuleAsync(admin, new { name = "purge", action = "deleteForever", afterDays = 10 });
        Assert.Null(rule.FolderId);
        var dry = await PostReportAsync(admin, rule.Id, "dry-run");
        Assert.Equal(2, dry.WouldAffect);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), dry.Sample.Select(s => s.ItemId).Order());
        var run = await PostReportAsync(admin, rule.Id, "run");

        Assert.Equal(2, run.Affected);
        Assert.EndsWith("for good", run.Outcome, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(admin, a.Id));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(alice, b.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(alice, young.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(alice, folder.Id));
        Assert.Equal(0, (await PostReportAsync(admin, rule.Id, "run")).Affected);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MoveRule_BlobsGoToTheColderClass_AndDownloadByteIdentical_RangesToo(bool encrypted)
    {
        using var app = AppWithoutTheJob(("Coffer:Encryption:Enabled", encrypted ? "true" : "false"));
        var admin = await app.NewUserAsync();
        var user = await app.NewUserAsync();
        var media = await user.CreateFolderAsync("Media");
        var bigContent = Bytes(3_000_000, 1);
        var big = await user.UploadAsync("big.bin", bigContent, media.Id);
        var small = await user.UploadAsync("small.bin", Bytes(1000, 2), media.Id);
        var elsewhere = await user.UploadAsync("elsewhere.bin", Bytes(500, 3));
        var fresh = await user.UploadAsync("fresh.bin", Bytes(700, 4), media.Id);
        await AgeAsync(app, TimeSpan.FromDays(61), big, small, elsewhere);
        await AgeAsync(app, TimeSpan.FromDays(59), fresh);
        var colder = ColderClass(app);

        var rule = await CreateRuleAsync(admin, new
        {
            name = "cold media", ownerEmail = user.Email, path = "/Media", action = "moveToStorageClass", afterDays = 60,
            storageClass = colder.ToLowerInvariant(), // classes are matched case-insensitively and stored upper-case
        });
        Assert.Equal(media.Id, rule.FolderId);
        Assert.Equal(colder, rule.StorageClass);

        var dry = await PostReportAsync(admin, rule.Id, "dry-run");
        Assert.Equal(2, dry.WouldAffect);
        Assert.Equal(bigContent.Length + 1000, dry.Bytes);
        Assert.Equal(new[] { big.Id, small.Id }.Order(), dry.Sample.Select(s => s.ItemId).Order());
        Assert.All(dry.Sample, s => Assert.NotNull(s.Created));
        Assert.Equal("STANDARD", await StoredClassAsync(app, (await BlobsOfAsync(app, big.Id)).Single().Key));

        var run = await PostReportAsync(admin, rule.Id, "run");

        Assert.Equal(2, run.Affected);
        Assert.Equal(dry.Bytes, run.Bytes);
        Assert.StartsWith("moved 2 blobs", run.Outcome, StringComparison.Ordinal);
        Assert.EndsWith("to " + colder, run.Outcome, StringComparison.Ordinal);
        foreach (var moved in new[] { big, small })
        {
            var blob = (await BlobsOfAsync(app, moved.Id)).Single();
            Assert.Equal(colder, blob.Class);
            Assert.Equal(colder, await StoredClassAsync(app, blob.Key));
        }
        foreach (var stayed in new[] { fresh, elsewhere })
        {
            var blob = (await BlobsOfAsync(app, stayed.Id)).Single();
            Assert.Null(blob.Class);
            Assert.Equal("STANDARD", await StoredClassAsync(app, blob.Key));
        }
        Assert.Equal(bigContent, await user.Client.GetByteArrayAsync($"/api/v1/items/{big.Id}/content", Ct));
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{big.Id}/content"))
        {
            request.Headers.Range = new RangeHeaderValue(1_999_990, 2_000_009);
            using var partial = await user.Client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(bigContent[1_999_990..2_000_010], await partial.Content.ReadAsByteArrayAsync(Ct));
        }
        Assert.Equal(0, (await PostReportAsync(admin, rule.Id, "run")).Affected);

        // And back: a rule to the default class finds exactly the moved ones.
        var back = await CreateRuleAsync(admin, new { name = "warm again", folderId = media.Id, action = "moveToStorageClass", afterDays = 60, storageClass = "STANDARD" });
        var warmed = await PostReportAsync(admin, back.Id, "run");
        Assert.Equal(2, warmed.Affected);
        var bigBlob = (await BlobsOfAsync(app, big.Id)).Single();
        Assert.Null(bigBlob.Class);
        Assert.Equal("STANDARD", await StoredClassAsync(app, bigBlob.Key));
        Assert.Equal(bigContent, await user.Client.GetByteArrayAsync($"/api/v1/items/{big.Id}/content", Ct));
    }

    [Fact]
    public async Task InvalidRules_Refused400_NamingTheField()
    {
        using var app = AppWithoutTheJob();
        var admin = await app.NewUserAsync();
        var folder = await admin.CreateFolderAsync("F");
        var file = await admin.UploadAsync("f.txt", "x");
        var cases = new (object Body, string Field)[]
        {
            (new { name = "r", action = "trash", afterDays = 0 }, "afterDays"),
            (new { name = "r", action = "trash", afterDays = 36501 }, "afterDays"),
            (new { name = "r", action = "trash" }, "afterDays"),
            (new { name = "", action = "trash", afterDays = 1 }, "name"),
            (new { name = new string('n', 201), action = "trash", afterDays = 1 }, "name"),
            (new { action = "trash", afterDays = 1 }, "name"),
            (new { name = "r", action = "shred", afterDays = 1 }, "action"),
            (new { name = "r", afterDays = 1 }, "action"),
            (new { name = "r", action = "trash", afterDays = 1, folderId = Guid.NewGuid().ToString() }, "folderId"),
            (new { name = "r", action = "trash", afterDays = 1, folderId = "not-an-id" }, "folderId"),
            (new { name = "r", action = "trash", afterDays = 1, folderId = file.Id }, "folderId"),
            (new { name = "r", action = "trash", afterDays = 1, ownerEmail = admin.Email, path = "/f.txt" }, "path"),
            (new { name = "r", action = "trash", afterDays = 1, ownerEmail = "nobody@example.com", path = "/F" }, "ownerEmail"),
            (new { name = "r", action = "trash", afterDays = 1, storageClass = ColderClass(app) }, "storageClass"),
            (new { name = "r", action = "moveToStorageClass", afterDays = 1 }, "storageClass"),
            (new { name = "r", action = "moveToStorageClass", afterDays = 1, storageClass = "GLACIER" }, "storageClass"),
            (new { name = "r", action = "moveToStorageClass", afterDays = 1, storageClass = "DEEP_ARCHIVE" }, "storageClass"),
            (new { name = "r", action = "moveToStorageClass", afterDays = 1, storageClass = "NO_SUCH_CLASS" }, "storageClass"),
            (new { name = "r", action = "moveToStorageClass", afterDays = 1, storageClass = app.Stack == StackKind.Embedded ? "STANDARD_IA" : "COLD" }, "storageClass"),
        };
        foreach (var (body, field) in cases)
            await Problem.AssertAsync(await admin.Client.PostAsJsonAsync(Rules, body, Ct), HttpStatusCode.BadRequest, field);

        var glacier = await Problem.AssertAsync(
            await admin.Client.PostAsJsonAsync(Rules, new { name = "r", action = "moveToStorageClass", afterDays = 1, storageClass = "GLACIER" }, Ct),
            HttpStatusCode.BadRequest, "storageClass");
        Assert.Contains("restore", glacier.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var rule = await CreateRuleAsync(admin, new { name = "r", action = "trash", afterDays = 5, folderId = folder.Id });
        await Problem.AssertAsync(await admin.Client.PatchAsJsonAsync($"{Rules}/{rule.Id}", new { afterDays = -1 }, Ct), HttpStatusCode.BadRequest, "afterDays");
        await Problem.AssertAsync(await admin.Client.PatchAsJsonAsync($"{Rules}/{rule.Id}", new { wholeStore = true, folderId = folder.Id }, Ct), HttpStatusCode.BadRequest, "wholeStore");
        Assert.Equal(rule.Id, Assert.Single((await admin.Client.GetFromJsonAsync<LifecycleRuleListDto>(Rules, Ct))!.Rules).Id); // no refused one was made
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.GetAsync($"{Rules}/{Guid.NewGuid()}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.PostAsync($"{Rules}/nonsense/run", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task Rules_CanBeListedChangedAndDeleted()
    {
        using var app = AppWithoutTheJob();
        var admin = await app.NewUserAsync();
        var folder = await admin.CreateFolderAsync("F");
        var rule = await CreateRuleAsync(admin, new { name = "r", action = "trash", afterDays = 5, folderId = folder.Id });

        var patched = await admin.Client.PatchAsJsonAsync($"{Rules}/{rule.Id}",
            new { name = "renamed", enabled = false, wholeStore = true, action = "moveToStorageClass", storageClass = ColderClass(app) }, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var changed = (await patched.Content.ReadFromJsonAsync<LifecycleRuleDto>(Ct))!;
        Assert.Equal(("renamed", false, (string?)null, "moveToStorageClass", (string?)ColderClass(app), 5),
            (changed.Name, changed.Enabled, changed.FolderId, changed.Action, changed.StorageClass, changed.AfterDays));
        var back = (await (await admin.Client.PatchAsJsonAsync($"{Rules}/{rule.Id}", new { action = "deleteForever" }, Ct))
            .Content.ReadFromJsonAsync<LifecycleRuleDto>(Ct))!;
        Assert.Null(back.StorageClass); // a class belongs to moves only

        var list = (await admin.Client.GetFromJsonAsync<LifecycleRuleListDto>(Rules, Ct))!;
        Assert.Equal(rule.Id, Assert.Single(list.Rules).Id);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"{Rules}/{rule.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.DeleteAsync($"{Rules}/{rule.Id}", Ct)).StatusCode);
        Assert.Empty((await admin.Client.GetFromJsonAsync<LifecycleRuleListDto>(Rules, Ct))!.Rules);
    }

    [Fact]
    public async Task NonAdmins_Get403_Everywhere()
    {
        using var app = AppWithoutTheJob();
        var admin = await app.NewUserAsync();
        var user = await app.NewUserAsync();
        var file = await user.UploadAsync("mine.txt", "x");
        // Disabled, so the lifecycle job (its timer ticks as the clock moves) leaves it alone too.
        var rule = await CreateRuleAsync(admin, new { name = "r", action = "deleteForever", afterDays = 1, enabled = false });
        await AgeAsync(app, TimeSpan.FromDays(2), file);

        foreach (var response in new[]
        {
            await user.Client.GetAsync(Rules, Ct),
            await user.Client.PostAsJsonAsync(Rules, new { name = "mine", action = "trash", afterDays = 1 }, Ct),
            await user.Client.GetAsync($"{Rules}/{rule.Id}", Ct),
            await user.Client.PatchAsJsonAsync($"{Rules}/{rule.Id}", new { afterDays = 2 }, Ct),
            await user.Client.PostAsync($"{Rules}/{rule.Id}/dry-run", null, Ct),
            await user.Client.PostAsync($"{Rules}/{rule.Id}/run", null, Ct),
            await user.Client.DeleteAsync($"{Rules}/{rule.Id}", Ct),
        })
        {
            await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
        }
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(user, file.Id)); // nothing ran
        Assert.Equal(1, (await admin.Client.GetFromJsonAsync<LifecycleRuleDto>($"{Rules}/{rule.Id}", Ct))!.AfterDays);
    }

    [Fact]
    public async Task Job_RunsTheEnabledRules_RecordsEachOutcome_AndASummary()
    {
        using var app = new CofferApp(("Coffer:Lifecycle:IntervalHours", "1"));
        var admin = await app.NewUserAsync();
        var user = await app.NewUserAsync();
        var old = await user.UploadAsync("old.txt", "old");
        var below = await user.UploadAsync("below.txt", "old, in a subfolder", (await user.CreateFolderAsync("Sub")).Id);
        var keep = await admin.CreateFolderAsync("Keep");
        var kept = await admin.UploadAsync("kept.txt", "old but its rule is off", keep.Id);
        var enabled = await CreateRuleAsync(admin, new { name = "purge root", ownerEmail = user.Email, path = "/", action = "deleteForever", afterDays = 3 });
        var disabled = await CreateRuleAsync(admin, new { name = "off", folderId = keep.Id, action = "deleteForever", afterDays = 3, enabled = false });
        await AgeAsync(app, TimeSpan.FromDays(4), old, below, kept);

        JobDto? job = null;
        for (var i = 0; i < 100 && job?.LastOutcome?.Contains("purge root", StringComparison.Ordinal) != true; i++)
        {
            await Task.Delay(50, Ct);
            app.Clock.Advance(TimeSpan.FromMinutes(61)); // the job's timer ticks only as the test clock moves
            job = (await admin.Client.GetFromJsonAsync<JobListDto>("/api/v1/admin/jobs", Ct))!.Jobs.SingleOrDefault(j => j.Name == "lifecycle");
        }

        Assert.NotNull(job);
        Assert.True(job.LastOutcome?.StartsWith("1 rule: purge root: deleted", StringComparison.Ordinal), job.LastOutcome);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(user, old.Id));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(user, below.Id)); // a root folder's rule covers the whole tree
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(admin, kept.Id)); // its rule is disabled
        var ran = (await admin.Client.GetFromJsonAsync<LifecycleRuleDto>($"{Rules}/{enabled.Id}", Ct))!;
        Assert.NotNull(ran.LastRun);
        Assert.StartsWith("deleted", ran.LastOutcome, StringComparison.Ordinal);
        Assert.Null((await admin.Client.GetFromJsonAsync<LifecycleRuleDto>($"{Rules}/{disabled.Id}", Ct))!.LastRun);
    }
}
