using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Shares;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Tests;

/// <summary>A file's versions: kept on replace, listed, downloaded, restored, deleted, and pruned by the retention rules.</summary>
public sealed class VersionApiTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<ItemDto> ReplaceAsync(TestUser user, string name, string text, string folderId = "root")
    {
        var response = await user.PutAsync(name, System.Text.Encoding.UTF8.GetBytes(text), folderId, "replace");
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"replace answered {(int)response.StatusCode}");
        return (await response.Content.ReadFromJsonAsync<ItemDto>(Ct))!;
    }

    private static async Task<VersionListDto> VersionsAsync(TestUser user, string itemId)
    {
        var response = await user.Client.GetAsync($"/api/v1/items/{itemId}/versions", Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"versions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<VersionListDto>(Ct))!;
    }

    [Fact]
    public async Task Replace_KeepsTheEarlierVersions_ListedNewestFirst_WithWhoAndHash()
    {
        var user = await _app.NewUserAsync();
        var first = await user.UploadAsync("notes.txt", "one");
        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        await ReplaceAsync(user, "notes.txt", "two!");
        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        var third = await ReplaceAsync(user, "notes.txt", "three");

        var versions = (await VersionsAsync(user, first.Id)).Versions;

        Assert.Equal([5L, 4L, 3L], versions.Select(v => v.Size));
        Assert.Equal([true, false, false], versions.Select(v => v.Current));
        Assert.Equal(third.Sha256, versions[0].Sha256);
        Assert.Equal(first.Sha256, versions[2].Sha256);
        Assert.True(versions[0].Created > versions[1].Created && versions[1].Created > versions[2].Created);
        Assert.All(versions, v => Assert.Equal((user.Id.ToString(), user.Email), (v.CreatedBy.Id, v.CreatedBy.Email)));
        Assert.Equal(3, _app.StoredBlobs().Count);
        Assert.Equal("three", await user.Client.GetStringAsync($"/api/v1/items/{first.Id}/content", Ct));
    }

    [Fact]
    public async Task VersionContent_IsThatVersionsBytes_WithItsOwnETag_AndRanges()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "the first words");
        await ReplaceAsync(user, "a.txt", "later");
        var old = (await VersionsAsync(user, file.Id)).Versions[1];

        var response = await user.Client.GetAsync($"/api/v1/items/{file.Id}/versions/{old.Id}/content", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("the first words", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal($"\"{old.Sha256}\"", response.Headers.ETag?.Tag);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);

        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{file.Id}/versions/{old.Id}/content");
        ranged.Headers.Range = new RangeHeaderValue(4, 8);
        var part = await user.Client.SendAsync(ranged, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("first", await part.Content.ReadAsStringAsync(Ct));

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{file.Id}/versions/{old.Id}/content");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await user.Client.SendAsync(again, Ct)).StatusCode);

        await Problem.AssertAsync(await user.Client.GetAsync($"/api/v1/items/{file.Id}/versions/{Guid.NewGuid()}/content", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await user.Client.GetAsync($"/api/v1/items/{file.Id}/versions/nonsense/content", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Restore_MakesANewCurrentVersion_SharingTheOldBlob()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "original");
        await ReplaceAsync(user, "a.txt", "overwritten by mistake");
        var original = (await VersionsAsync(user, file.Id)).Versions[1];
        var blobsBefore = _app.StoredBlobs().Count;
        _app.Clock.Advance(TimeSpan.FromMinutes(1));

        var response = await user.Client.PostAsync($"/api/v1/items/{file.Id}/versions/{original.Id}/restore", null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<ItemDto>(Ct))!;
        Assert.Equal((file.Id, original.Sha256, 8L), (item.Id, item.Sha256, item.Size));
        Assert.Equal("original", await user.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Ct));
        var versions = (await VersionsAsync(user, file.Id)).Versions;
        Assert.Equal(3, versions.Count);
        Assert.True(versions[0].Current);
        Assert.NotEqual(original.Id, versions[0].Id);
        Assert.Equal(original.Sha256, versions[0].Sha256);
        Assert.Equal(blobsBefore, _app.StoredBlobs().Count); // no copy

        // Deleting the version it came from leaves the shared blob to the new one.
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{original.Id}", Ct)).StatusCode);
        Assert.Equal(blobsBefore, _app.StoredBlobs().Count);
        Assert.Equal("original", await user.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Ct));
    }

    [Fact]
    public async Task Delete_RemovesAnEarlierVersionAndItsBlob_ButNotTheCurrentOne()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "v1");
        await ReplaceAsync(user, "a.txt", "v2");
        var versions = (await VersionsAsync(user, file.Id)).Versions;
        Assert.Equal(2, _app.StoredBlobs().Count);

        var current = await user.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{versions[0].Id}", Ct);
        var problem = await Problem.AssertAsync(current, HttpStatusCode.Conflict);
        Assert.Contains("delete the file", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{versions[1].Id}", Ct)).StatusCode);
        Assert.Single((await VersionsAsync(user, file.Id)).Versions);
        Assert.Single(_app.StoredBlobs());
        await Problem.AssertAsync(await user.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{versions[1].Id}", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await user.Client.GetAsync($"/api/v1/items/{file.Id}/versions/{versions[1].Id}/content", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Folder_HasNoVersions()
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("Docs");

        await Problem.AssertAsync(await user.Client.GetAsync($"/api/v1/items/{folder.Id}/versions", Ct), HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task AnotherUsersVersions_Are404_Everywhere()
    {
        var alice = await _app.NewUserAsync();
        var bob = await _app.NewUserAsync();
        var file = await alice.UploadAsync("a.txt", "v1");
        await ReplaceAsync(alice, "a.txt", "v2");
        var old = (await VersionsAsync(alice, file.Id)).Versions[1];
        var bobs = await bob.UploadAsync("b.txt", "bob's");

        await Problem.AssertAsync(await bob.Client.GetAsync($"/api/v1/items/{file.Id}/versions", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await bob.Client.GetAsync($"/api/v1/items/{file.Id}/versions/{old.Id}/content", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await bob.Client.PostAsync($"/api/v1/items/{file.Id}/versions/{old.Id}/restore", null, Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await bob.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{old.Id}", Ct), HttpStatusCode.NotFound);
        // Nor through his own file's id.
        await Problem.AssertAsync(await bob.Client.GetAsync($"/api/v1/items/{bobs.Id}/versions/{old.Id}/content", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await bob.Client.PostAsync($"/api/v1/items/{bobs.Id}/versions/{old.Id}/restore", null, Ct), HttpStatusCode.NotFound);
        Assert.Equal(2, (await VersionsAsync(alice, file.Id)).Versions.Count);
    }

    [Fact]
    public async Task Grantees_ReadOnlyMayListAndDownload_ReadWriteMayRestore_OnlyTheOwnerDeletes()
    {
        var alice = await _app.NewUserAsync();
        var bob = await _app.NewUserAsync();
        var carol = await _app.NewUserAsync();
        var team = await alice.CreateFolderAsync("Team");
        var file = await alice.UploadAsync("a.txt", "v1", team.Id);
        await GrantAsync(alice, team.Id, bob.Email, "read");
        await GrantAsync(alice, team.Id, carol.Email, "readWrite");
        await ReplaceAsync(carol, "a.txt", "carol's v2", team.Id); // a grantee's replace keeps the version too
        var versions = (await VersionsAsync(bob, file.Id)).Versions;
        Assert.Equal([carol.Email, alice.Email], versions.Select(v => v.CreatedBy.Email));
        Assert.Equal("v1", await bob.Client.GetStringAsync($"/api/v1/items/{file.Id}/versions/{versions[1].Id}/content", Ct));

        await Problem.AssertAsync(await bob.Client.PostAsync($"/api/v1/items/{file.Id}/versions/{versions[1].Id}/restore", null, Ct), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await bob.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{versions[1].Id}", Ct), HttpStatusCode.Forbidden);

        var restored = await carol.Client.PostAsync($"/api/v1/items/{file.Id}/versions/{versions[1].Id}/restore", null, Ct);
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        Assert.Equal("readWrite", (await restored.Content.ReadFromJsonAsync<ItemDto>(Ct))!.Access);
        Assert.Equal("v1", await alice.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Ct));
        // Deleting history cannot be undone: the owner's alone (a grantee could otherwise overwrite a file and then erase its past).
        await Problem.AssertAsync(await carol.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{versions[0].Id}", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(3, (await VersionsAsync(alice, file.Id)).Versions.Count);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Client.DeleteAsync($"/api/v1/items/{file.Id}/versions/{versions[0].Id}", Ct)).StatusCode);
        Assert.Equal(2, (await VersionsAsync(alice, file.Id)).Versions.Count);
    }

    [Fact]
    public async Task Retention_KeepsTheNewestN_AndAUsersOwnLimitWins()
    {
        using var app = new CofferApp(("Coffer:Versions:KeepLast", "3"), ("Coffer:Versions:KeepDays", "0"));
        var user = await app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "v1");
        for (var i = 2; i <= 5; i++)
            await ReplaceAsync(user, "a.txt", $"v{i}");

        Assert.Equal(["v5", "v4", "v3"], await ContentsAsync(user, file.Id));
        Assert.Equal(3, app.StoredBlobs().Count);

        var other = await app.NewUserAsync();
        await app.DbAsync(db => db.Users.Where(u => u.Id == other.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.VersionKeepLast, 1), Ct));
        var hers = await other.UploadAsync("b.txt", "w1");
        await ReplaceAsync(other, "b.txt", "w2");
        Assert.Equal(["w2"], await ContentsAsync(other, hers.Id));
        Assert.Equal(4, app.StoredBlobs().Count);
    }

    [Fact]
    public async Task Retention_NoCountLimit_KeepsEveryVersion()
    {
        using var app = new CofferApp(("Coffer:Versions:KeepLast", "0"));
        var user = await app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "v0");
        for (var i = 1; i <= 30; i++)
            await ReplaceAsync(user, "a.txt", $"v{i}");

        Assert.Equal(31, (await VersionsAsync(user, file.Id)).Versions.Count);
    }

    [Fact]
    public async Task Retention_TheJobPrunesWhatNeitherLimitKeeps_NeverTheCurrentOne()
    {
        // The newest 2 are kept whatever their age, and anything younger than a day whatever its rank.
        using var app = new CofferApp(("Coffer:Versions:KeepLast", "2"), ("Coffer:Versions:KeepDays", "1"));
        var user = await app.NewUserAsync();
        var old = await user.UploadAsync("old.txt", "only version");
        var file = await user.UploadAsync("a.txt", "v1");
        await ReplaceAsync(user, "a.txt", "v2");
        app.Clock.Advance(TimeSpan.FromHours(12));
        await ReplaceAsync(user, "a.txt", "v3");
        Assert.Equal(["v3", "v2", "v1"], await ContentsAsync(user, file.Id)); // v1 is third, but young

        app.Clock.Advance(TimeSpan.FromHours(13)); // v1 and v2 are 25 hours old now, v3 13 hours
        await WaitUntilAsync(app, async () => (await VersionsAsync(user, file.Id)).Versions.Count == 2);

        Assert.Equal(["v3", "v2"], await ContentsAsync(user, file.Id)); // v2 is old, but among the newest 2
        Assert.Equal("only version", await user.Client.GetStringAsync($"/api/v1/items/{old.Id}/content", Ct));
        Assert.Equal(3, app.StoredBlobs().Count);
        var outcome = await app.DbAsync(db => db.JobLeases.Where(l => l.Name == "retention").Select(l => l.LastOutcome).SingleAsync(Ct));
        Assert.Contains("version", outcome);
    }

    [Fact]
    public async Task Retention_ALoweredCountLimit_IsAppliedByTheJob_WithoutANewVersion()
    {
        using var app = new CofferApp(("Coffer:Versions:KeepDays", "0"));
        var user = await app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "v1");
        for (var i = 2; i <= 4; i++)
            await ReplaceAsync(user, "a.txt", $"v{i}");
        await app.DbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.VersionKeepLast, 2), Ct));

        app.Clock.Advance(TimeSpan.FromMinutes(61));
        await WaitUntilAsync(app, async () => (await VersionsAsync(user, file.Id)).Versions.Count == 2);

        Assert.Equal(["v4", "v3"], await ContentsAsync(user, file.Id));
    }

    [Fact]
    public async Task Retention_ReplaceAlsoPrunesByAge_UnlessTheAgeLimitIsZero()
    {
        using var app = new CofferApp(("Coffer:Versions:KeepDays", "1"), ("Coffer:Versions:KeepLast", "0"));
        var user = await app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "v1");
        var other = await app.NewUserAsync();
        await app.DbAsync(db => db.Users.Where(u => u.Id == other.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.VersionKeepDays, 0), Ct));
        var hers = await other.UploadAsync("b.txt", "w1");
        app.Clock.Advance(TimeSpan.FromHours(30));

        await ReplaceAsync(user, "a.txt", "v2");
        await ReplaceAsync(other, "b.txt", "w2");

        Assert.Equal(["v2"], await ContentsAsync(user, file.Id));
        Assert.Equal(["w2", "w1"], await ContentsAsync(other, hers.Id));
    }

    private static async Task<List<string>> ContentsAsync(TestUser user, string itemId)
    {
        var contents = new List<string>();
        foreach (var version in (await VersionsAsync(user, itemId)).Versions)
            contents.Add(await user.Client.GetStringAsync($"/api/v1/items/{itemId}/versions/{version.Id}/content", Ct));
        return contents;
    }

    /// <summary>Lets the hourly job run (its timer follows the test clock) until the condition holds.</summary>
    internal static async Task WaitUntilAsync(CofferApp app, Func<Task<bool>> condition)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
                return;
            if (i % 10 == 0)
                app.Clock.Advance(TimeSpan.FromMinutes(61));
            await Task.Delay(40, Ct);
        }
        Assert.Fail("The retention job never did its work.");
    }

    private static async Task GrantAsync(TestUser owner, string itemId, string email, string access)
    {
        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{itemId}/grants", new { email, access }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
