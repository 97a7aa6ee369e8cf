using System.Net;
using System.Net.Http.Json;
using Coffer.Core.Drive;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Shares;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests;

/// <summary>Deleting moves to the trash; the trash lists, restores (to the old place, recreating it), deletes forever and purges.</summary>
public sealed class TrashApiTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task DeleteAsync(TestUser user, string id)
    {
        var response = await user.Client.DeleteAsync($"/api/v1/items/{id}", Ct);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"DELETE answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static async Task<IReadOnlyList<TrashItemDto>> TrashAsync(TestUser user)
    {
        var response = await user.Client.GetAsync("/api/v1/trash", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TrashListDto>(Ct))!.Items;
    }

    private static async Task<ItemDto> RestoreAsync(TestUser user, string id)
    {
        var response = await user.Client.PostAsync($"/api/v1/trash/{id}/restore", null, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"restore answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<ItemDto>(Ct))!;
    }

    private static async Task<HttpStatusCode> StatusAsync(TestUser user, string url) => (await user.Client.GetAsync(url, Ct)).StatusCode;

    private static async Task<IEnumerable<string>> SearchAsync(TestUser user, string query)
    {
        var response = await user.Client.GetAsync($"/api/v1/search?q={Uri.EscapeDataString(query)}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ItemListDto>(Ct))!.Items.Select(i => i.Path);
    }

    [Fact]
    public async Task DeleteFile_GoesToTheTrash_AndRestoreBringsItBack()
    {
        var user = await _app.NewUserAsync();
        var docs = await user.CreateFolderAsync("Docs");
        var file = await user.UploadAsync("report.txt", "quarterly", docs.Id);
        _app.Clock.Advance(TimeSpan.FromMinutes(1));

        await DeleteAsync(user, file.Id);

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(user, $"/api/v1/items/{file.Id}"));
        Assert.Empty((await user.ChildrenAsync(docs.Id)).Items);
        var entry = Assert.Single(await TrashAsync(user));
        Assert.Equal((file.Id, "report.txt", "file", 9L, "/Docs/report.txt"), (entry.Id, entry.Name, entry.Kind, entry.Size, entry.OriginalPath));
        Assert.Equal(_app.Clock.GetUtcNow(), entry.DeletedAt);
        Assert.Equal(entry.DeletedAt.AddDays(30), entry.PurgeAt);
        Assert.Equal((user.Id.ToString(), user.Email), (entry.DeletedBy!.Id, entry.DeletedBy.Email));
        Assert.Single(_app.StoredBlobs()); // the bytes wait in the trash

        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        var restored = await RestoreAsync(user, file.Id);

        Assert.Equal((file.Id, "/Docs/report.txt", docs.Id), (restored.Id, restored.Path, restored.ParentId));
        Assert.Equal(_app.Clock.GetUtcNow(), restored.Modified); // restored counts as modified: age-based rules start over
        Assert.Equal("quarterly", await user.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Ct));
        Assert.Empty(await TrashAsync(user));
        Assert.Single((await _app.EventsAsync(user.Id, "file.deleted")));
        var restoredEvent = Assert.Single(await _app.EventsAsync(user.Id, "file.restored"));
        Assert.Equal("/Docs/report.txt", restoredEvent.GetProperty("path").GetString());
        Assert.Equal("file", restoredEvent.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task DeleteFolder_HidesItsWholeSubtreeEverywhere_UntilRestored()
    {
        var user = await _app.NewUserAsync();
        var projects = await user.CreateFolderAsync("Projects");
        var sub = await user.CreateFolderAsync("Zebra", projects.Id);
        var deep = await user.UploadAsync("zebrafish.txt", "12345", sub.Id);
        var top = await user.UploadAsync("zx.txt", "123", projects.Id);
        await user.UploadAsync("zebra-outside.txt", "kept");
        var share = await user.ShareAsync(deep.Id);

        await DeleteAsync(user, projects.Id);

        foreach (var id in new[] { projects.Id, sub.Id, deep.Id, top.Id })
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(user, $"/api/v1/items/{id}"));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(user, $"/api/v1/items/{id}/content"));
        }
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(user, $"/api/v1/items/{sub.Id}/children"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(user, "/api/v1/items/by-path?path=/Projects/Zebra/zebrafish.txt"));
        Assert.Equal(["zebra-outside.txt"], (await user.ChildrenAsync()).Items.Select(i => i.Name));
        Assert.Equal(["/zebra-outside.txt"], await SearchAsync(user, "zebra")); // the full-text index (3+ characters)
        Assert.Equal(["/zebra-outside.txt"], await SearchAsync(user, "ze")); // the short-query path
        Assert.Empty(await SearchAsync(user, "zx"));
        Assert.Empty(await user.SharesAsync());
        using (var visitor = _app.Visitor())
            Assert.Equal(HttpStatusCode.NotFound, (await visitor.Client.GetAsync($"/s/{share.Token}", Ct)).StatusCode);
        var entry = Assert.Single(await TrashAsync(user));
        Assert.Equal((projects.Id, "folder", 8L, "/Projects"), (entry.Id, entry.Kind, entry.Size, entry.OriginalPath));
        // Only the deleted item is an entry: what went with it cannot be restored or purged on its own.
        await Problem.AssertAsync(await user.Client.PostAsync($"/api/v1/trash/{deep.Id}/restore", null, Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await user.Client.DeleteAsync($"/api/v1/trash/{deep.Id}", Ct), HttpStatusCode.NotFound);

        await RestoreAsync(user, projects.Id);

        Assert.Equal("/Projects/Zebra/zebrafish.txt", (await user.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/by-path?path=/Projects/Zebra/zebrafish.txt", Ct))!.Path);
        Assert.Equal(["Zebra", "zx.txt"], (await user.ChildrenAsync(projects.Id)).Items.Select(i => i.Name));
        Assert.Equal(["/Projects/Zebra", "/Projects/Zebra/zebrafish.txt", "/zebra-outside.txt"], (await SearchAsync(user, "zebra")).Order(StringComparer.Ordinal));
        using (var visitor = _app.Visitor())
            Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/s/{share.Token}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Restore_WhenItsFolderIsInTheTrash_RecreatesThePath_AndTheFolderComesBackRenamed()
    {
        var user = await _app.NewUserAsync();
        var a = await user.CreateFolderAsync("A");
        var b = await user.CreateFolderAsync("B", a.Id);
        var file = await user.UploadAsync("f.txt", "f", b.Id);
        await DeleteAsync(user, file.Id);
        await DeleteAsync(user, a.Id);

        var restored = await RestoreAsync(user, file.Id);

        Assert.Equal("/A/B/f.txt", restored.Path);
        Assert.NotEqual(b.Id, restored.ParentId); // a new B in a new A
        Assert.Equal("f", await user.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Ct));
        var folder = await RestoreAsync(user, a.Id);
        Assert.Equal(("A (restored)", "/A (restored)"), (folder.Name, folder.Path));
        Assert.Equal(["B"], (await user.ChildrenAsync(a.Id)).Items.Select(i => i.Name));
        Assert.Empty((await user.ChildrenAsync(b.Id)).Items);
    }

    [Fact]
    public async Task Restore_WhenItsFolderWasPurged_RecreatesThePath_ReusingLiveFolders()
    {
        var user = await _app.NewUserAsync();
        var a = await user.CreateFolderAsync("A");
        var b = await user.CreateFolderAsync("B", a.Id);
        var file = await user.UploadAsync("f.txt", "f", b.Id);
        await DeleteAsync(user, file.Id);
        await DeleteAsync(user, b.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/trash/{b.Id}", Ct)).StatusCode);

        var restored = await RestoreAsync(user, file.Id);

        Assert.Equal("/A/B/f.txt", restored.Path);
        var newB = Assert.Single((await user.ChildrenAsync(a.Id)).Items);
        Assert.Equal(("B", "folder", newB.Id), (newB.Name, newB.Kind, restored.ParentId));
        Assert.NotEqual(b.Id, newB.Id);
    }

    [Fact]
    public async Task Restore_OntoATakenName_AddsRestored_ThenACounter()
    {
        var user = await _app.NewUserAsync();
        var first = await user.UploadAsync("a.txt", "first");
        await DeleteAsync(user, first.Id);
        var second = await user.UploadAsync("a.txt", "second");
        await DeleteAsync(user, second.Id);
        var third = await user.UploadAsync("a.txt", "third");

        Assert.Equal("a (restored).txt", (await RestoreAsync(user, first.Id)).Name);
        Assert.Equal("a (restored 2).txt", (await RestoreAsync(user, second.Id)).Name);
        Assert.Equal(["a (restored 2).txt", "a (restored).txt", "a.txt"], (await user.ChildrenAsync()).Items.Select(i => i.Name));
        Assert.Equal("third", await user.Client.GetStringAsync($"/api/v1/items/{third.Id}/content", Ct));
    }

    [Fact]
    public async Task DeleteForever_RemovesTheItemItsVersionsAndTheirBlobs()
    {
        var user = await _app.NewUserAsync();
        var keep = await user.UploadAsync("keep.txt", "keep");
        var folder = await user.CreateFolderAsync("Old");
        var file = await user.UploadAsync("a.txt", "v1", folder.Id);
        await user.PutAsync("a.txt", "v2"u8.ToArray(), folder.Id, "replace");
        Assert.Equal(3, _app.StoredBlobs().Count);
        await DeleteAsync(user, folder.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/trash/{folder.Id}", Ct)).StatusCode);

        Assert.Empty(await TrashAsync(user));
        Assert.Single(_app.StoredBlobs());
        Assert.Equal("keep", await user.Client.GetStringAsync($"/api/v1/items/{keep.Id}/content", Ct));
        await Problem.AssertAsync(await user.Client.PostAsync($"/api/v1/trash/{folder.Id}/restore", null, Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await user.Client.GetAsync($"/api/v1/items/{file.Id}/versions", Ct), HttpStatusCode.NotFound);
        Assert.Equal(0, await _app.DbAsync(db => db.ItemsWithTrash.CountAsync(i => i.Id == Guid.Parse(file.Id), Ct)));
    }

    [Fact]
    public async Task EmptyTrash_DeletesEveryEntryForGood_OnlyTheCallers()
    {
        var user = await _app.NewUserAsync();
        var other = await _app.NewUserAsync();
        foreach (var name in new[] { "1.txt", "2.txt", "3.txt" })
            await DeleteAsync(user, (await user.UploadAsync(name, name)).Id);
        var folder = await user.CreateFolderAsync("F");
        await user.UploadAsync("inside.txt", "x", folder.Id);
        await DeleteAsync(user, folder.Id);
        var theirs = await other.UploadAsync("theirs.txt", "theirs");
        await DeleteAsync(other, theirs.Id);
        Assert.Equal(4, (await TrashAsync(user)).Count);
        Assert.Equal(["F", "3.txt", "2.txt", "1.txt"], (await TrashAsync(user)).Select(e => e.Name)); // newest first

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync("/api/v1/trash", Ct)).StatusCode);

        Assert.Empty(await TrashAsync(user));
        Assert.Single(_app.StoredBlobs());
        Assert.Equal([theirs.Id], (await TrashAsync(other)).Select(e => e.Id));
    }

    [Fact]
    public async Task AnotherUsersTrash_IsInvisible()
    {
        var alice = await _app.NewUserAsync();
        var bob = await _app.NewUserAsync();
        var file = await alice.UploadAsync("a.txt", "alice");
        await DeleteAsync(alice, file.Id);

        Assert.Empty(await TrashAsync(bob));
        await Problem.AssertAsync(await bob.Client.PostAsync($"/api/v1/trash/{file.Id}/restore", null, Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await bob.Client.DeleteAsync($"/api/v1/trash/{file.Id}", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await bob.Client.PostAsync("/api/v1/trash/not-an-id/restore", null, Ct), HttpStatusCode.NotFound);
        Assert.Single(await TrashAsync(alice));
    }

    [Fact]
    public async Task PermanentDelete_SkipsTheTrash()
    {
        var user = await _app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "x");

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/items/{file.Id}?permanent=true", Ct)).StatusCode);

        Assert.Empty(await TrashAsync(user));
        Assert.Empty(_app.StoredBlobs());
    }

    [Fact]
    public async Task Grantee_DeletesIntoTheOwnersTrash_AndTrashedSharedFoldersDisappearForGrantees()
    {
        var alice = await _app.NewUserAsync();
        var bob = await _app.NewUserAsync();
        var carol = await _app.NewUserAsync();
        var team = await alice.CreateFolderAsync("Team");
        var file = await alice.UploadAsync("a.txt", "team", team.Id);
        var other = await alice.UploadAsync("b.txt", "team too", team.Id);
        await GrantAsync(alice, team.Id, bob.Email, "read");
        await GrantAsync(alice, team.Id, carol.Email, "readWrite");

        await Problem.AssertAsync(await bob.Client.DeleteAsync($"/api/v1/items/{file.Id}", Ct), HttpStatusCode.Forbidden);
        // Only the owner deletes for good: what a grantee deletes, the owner can always get back.
        await Problem.AssertAsync(await carol.Client.DeleteAsync($"/api/v1/items/{file.Id}?permanent=true", Ct), HttpStatusCode.Forbidden);
        Assert.Equal("team", await alice.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Ct));
        await DeleteAsync(carol, file.Id);

        Assert.Empty(await TrashAsync(carol));
        var entry = Assert.Single(await TrashAsync(alice));
        Assert.Equal((file.Id, "/Team/a.txt", carol.Email), (entry.Id, entry.OriginalPath, entry.DeletedBy!.Email));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bob, $"/api/v1/items/{file.Id}"));

        await DeleteAsync(alice, team.Id);

        foreach (var grantee in new[] { bob, carol })
        {
            Assert.Empty((await grantee.Client.GetFromJsonAsync<SharedListDto>("/api/v1/shared-with-me", Ct))!.Items);
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(grantee, $"/api/v1/items/{team.Id}"));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(grantee, $"/api/v1/items/{other.Id}/content"));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(grantee, "/api/v1/items/by-path?path=/Team/b.txt"));
        }

        await RestoreAsync(alice, team.Id);
        Assert.Equal("team too", await bob.Client.GetStringAsync($"/api/v1/items/{other.Id}/content", Ct));
    }

    [Fact]
    public async Task TheRetentionJob_PurgesEntriesOlderThanTheRetention()
    {
        using var app = new CofferApp(("Coffer:Trash:RetentionDays", "1"));
        var user = await app.NewUserAsync();
        var old = await user.UploadAsync("old.txt", "old");
        await DeleteAsync(user, old.Id);
        app.Clock.Advance(TimeSpan.FromHours(20));
        var recent = await user.UploadAsync("recent.txt", "recent");
        await DeleteAsync(user, recent.Id);
        Assert.Equal(2, (await TrashAsync(user)).Count);

        app.Clock.Advance(TimeSpan.FromHours(5)); // old.txt has waited 25 hours, recent.txt 5
        await VersionApiTests.WaitUntilAsync(app, async () => (await TrashAsync(user)).Count == 1);

        Assert.Equal([recent.Id], (await TrashAsync(user)).Select(e => e.Id));
        Assert.Single(app.StoredBlobs());
        var outcome = await app.DbAsync(db => db.JobLeases.Where(l => l.Name == "retention").Select(l => l.LastOutcome).SingleAsync(Ct));
        Assert.Contains("purged", outcome);
    }

    [Fact]
    public async Task RetentionZero_KeepsTheTrashUntilEmptied()
    {
        using var app = new CofferApp(("Coffer:Trash:RetentionDays", "0"));
        var user = await app.NewUserAsync();
        var file = await user.UploadAsync("a.txt", "x");
        var response = await user.Client.DeleteAsync($"/api/v1/items/{file.Id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        app.Clock.Advance(TimeSpan.FromHours(26)); // past any one-day retention
        using (var scope = app.Services.CreateScope())
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<TrashService>().PurgeExpiredAsync(() => Task.CompletedTask, Ct));

        var entry = Assert.Single((await user.Client.GetFromJsonAsync<TrashListDto>("/api/v1/trash", Ct))!.Items);
        Assert.Null(entry.PurgeAt);
    }

    private static async Task GrantAsync(TestUser owner, string itemId, string email, string access)
    {
        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{itemId}/grants", new { email, access }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
