using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coffer.Core.Persistence;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests;

/// <summary>
/// Internal shares: Alice shares her "Team" folder with Bob (read-only) and Carol (read-write);
/// Dave has nothing. Each test builds its own people and folders on one server.
/// </summary>
public sealed class SharingGrantsTests(SharingGrantsTests.Server server) : IClassFixture<SharingGrantsTests.Server>
{
    public sealed class Server : IDisposable
    {
        public CofferApp App { get; } = new();

        public void Dispose() => App.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Alice's tree: /Team (shared) with a.txt and Sub/b.txt; /Secret/s.txt and /root.txt beside it.</summary>
    private sealed record World(
        TestUser Alice, TestUser Bob, TestUser Carol, TestUser Dave,
        ItemDto Team, ItemDto TeamFile, ItemDto Sub, ItemDto SubFile, ItemDto Secret, ItemDto SecretFile, ItemDto RootFile,
        GrantDto BobGrant, GrantDto CarolGrant);

    private async Task<World> WorldAsync(CofferApp? app = null)
    {
        app ??= server.App;
        var alice = await app.NewUserAsync($"alice-{Guid.NewGuid():N}@example.com");
        var bob = await app.NewUserAsync($"bob-{Guid.NewGuid():N}@example.com");
        var carol = await app.NewUserAsync($"carol-{Guid.NewGuid():N}@example.com");
        var dave = await app.NewUserAsync($"dave-{Guid.NewGuid():N}@example.com");
        var team = await alice.CreateFolderAsync("Team");
        var teamFile = await alice.UploadAsync("a.txt", "team notes", team.Id);
        var sub = await alice.CreateFolderAsync("Sub", team.Id);
        var subFile = await alice.UploadAsync("b.txt", "deeper", sub.Id);
        var secret = await alice.CreateFolderAsync("Secret");
        var secretFile = await alice.UploadAsync("s.txt", "alice only", secret.Id);
        var rootFile = await alice.UploadAsync("root.txt", "alice's root");
        var bobGrant = await GrantAsync(alice, team.Id, bob.Email, "read");
        var carolGrant = await GrantAsync(alice, team.Id, carol.Email, "readWrite");
        return new World(alice, bob, carol, dave, team, teamFile, sub, subFile, secret, secretFile, rootFile, bobGrant, carolGrant);
    }

    private static async Task<GrantDto> GrantAsync(TestUser owner, string itemId, string email, string access)
    {
        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{itemId}/grants", new { email, access }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<GrantDto>(Ct))!;
    }

    private static async Task<T> GetAsync<T>(TestUser user, string url)
    {
        var response = await user.Client.GetAsync(url, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
    }

    // ---- granting ---------------------------------------------------------------------------------

    [Fact]
    public async Task Grant_Answers201WithThePerson_ListedForTheOwner_AndSharedWithTheGrantee()
    {
        var w = await WorldAsync();

        Assert.Equal(w.Team.Id, w.BobGrant.ItemId);
        Assert.Equal(w.Bob.Email, w.BobGrant.Email);
        Assert.Equal("read", w.BobGrant.Access);
        Assert.Equal("readWrite", w.CarolGrant.Access);
        var listed = await GetAsync<GrantListDto>(w.Alice, $"/api/v1/items/{w.Team.Id}/grants");
        Assert.Equal([w.Bob.Email, w.Carol.Email], listed.Items.Select(g => g.Email));

        var shared = await GetAsync<SharedListDto>(w.Bob, "/api/v1/shared-with-me");
        var only = Assert.Single(shared.Items);
        Assert.Equal(w.BobGrant.Id, only.GrantId);
        Assert.Equal("read", only.Access);
        Assert.Equal(w.Alice.Email, only.Owner.Email);
        Assert.Equal(w.Team.Id, only.Item.Id);
        Assert.Equal("/Team", only.Item.Path);
        Assert.Null(only.Item.ParentId);
        Assert.Empty((await GetAsync<SharedListDto>(w.Dave, "/api/v1/shared-with-me")).Items);
        Assert.Empty((await GetAsync<SharedListDto>(w.Alice, "/api/v1/shared-with-me")).Items);
    }

    [Fact]
    public async Task Grant_WritesAnInternalShareCreatedEvent_AndRevokeAShareRevokedOne()
    {
        var w = await WorldAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await w.Bob.Client.DeleteAsync($"/api/v1/grants/{w.BobGrant.Id}", Ct)).StatusCode);

        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        var events = await db.OutboxEvents.AsNoTracking().Where(e => e.UserId == w.Alice.Id && e.Type.StartsWith("share.")).ToListAsync(Ct);
        var payloads = events.Select(e => (e.Type, Data: JsonDocument.Parse(e.Payload).RootElement)).ToList();
        Assert.Equal(["share.created", "share.created", "share.revoked"], payloads.Select(p => p.Type).Order());
        Assert.All(payloads, p => Assert.Equal("internal", p.Data.GetProperty("kind").GetString()));
        var revoked = payloads.Single(p => p.Type == "share.revoked").Data;
        Assert.Equal(w.BobGrant.Id, revoked.GetProperty("shareId").GetString());
        Assert.Equal("grantee", revoked.GetProperty("by").GetString());
        Assert.Equal("read", revoked.GetProperty("access").GetString());
    }

    public static TheoryData<string, HttpStatusCode, string?> RefusedGrants => new()
    {
        { "nobody-{n}@example.com|read|team", HttpStatusCode.NotFound, null },
        { "{alice}|read|team", HttpStatusCode.BadRequest, "email" },
        { "{bob}|read|root", HttpStatusCode.BadRequest, "id" },
        { "{bob}|read|file", HttpStatusCode.BadRequest, "id" },
        { "{bob}|owner|team", HttpStatusCode.BadRequest, "access" },
        { "{bob}|read|team", HttpStatusCode.Conflict, "email" },
        { "|read|team", HttpStatusCode.BadRequest, "email" },
        { "not-an-email|read|team", HttpStatusCode.BadRequest, "email" },
    };

    [Theory]
    [MemberData(nameof(RefusedGrants))]
    public async Task Grant_Refused_WithAProblemNamingWhy(string spec, HttpStatusCode status, string? field)
    {
        var w = await WorldAsync();
        var parts = spec.Split('|');
        var email = parts[0].Replace("{alice}", w.Alice.Email, StringComparison.Ordinal).Replace("{bob}", w.Bob.Email, StringComparison.Ordinal)
            .Replace("{n}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
        var item = parts[2] switch { "team" => w.Team.Id, "file" => w.TeamFile.Id, _ => "root" };

        var response = await w.Alice.Client.PostAsJsonAsync($"/api/v1/items/{item}/grants", new { email, access = parts[1] }, Ct);

        var problem = await Problem.AssertAsync(response, status, field);
        if (status == HttpStatusCode.NotFound)
            Assert.Equal("No account with that email.", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task GrantsOfAFolder_OnlyItsOwner_SharesOrSeesThem()
    {
        var w = await WorldAsync();

        await Problem.AssertAsync(await w.Carol.Client.PostAsJsonAsync($"/api/v1/items/{w.Team.Id}/grants", new { email = w.Dave.Email, access = "read" }, Ct), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await w.Carol.Client.GetAsync($"/api/v1/items/{w.Team.Id}/grants", Ct), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await w.Dave.Client.GetAsync($"/api/v1/items/{w.Team.Id}/grants", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await w.Carol.Client.PatchAsJsonAsync($"/api/v1/grants/{w.BobGrant.Id}", new { access = "readWrite" }, Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await w.Bob.Client.PatchAsJsonAsync($"/api/v1/grants/{w.BobGrant.Id}", new { access = "readWrite" }, Ct), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await w.Dave.Client.DeleteAsync($"/api/v1/grants/{w.BobGrant.Id}", Ct), HttpStatusCode.NotFound);
        Assert.Equal(2, (await GetAsync<GrantListDto>(w.Alice, $"/api/v1/items/{w.Team.Id}/grants")).Items.Count);
    }

    [Fact]
    public async Task OpenApi_DescribesTheSharingRoutes()
    {
        using var client = server.App.CreateStreamingClient();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", Ct)).RootElement;

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/items/{id}/grants", paths);
        Assert.Contains("/api/v1/grants/{id}", paths);
        Assert.Contains("/api/v1/shared-with-me", paths);
    }

    // ---- reading ----------------------------------------------------------------------------------

    [Fact]
    public async Task ReadGrantee_SeesTheFolderAndBelow_WithPathsFromTheSharedFolder()
    {
        var w = await WorldAsync();

        var team = await GetAsync<ItemDto>(w.Bob, $"/api/v1/items/{w.Team.Id}");
        Assert.Equal(("/Team", (string?)null, "read"), (team.Path, team.ParentId, team.Access));
        var children = await GetAsync<ItemListDto>(w.Bob, $"/api/v1/items/{w.Team.Id}/children");
        Assert.Equal([("Sub", "/Team/Sub", "read"), ("a.txt", "/Team/a.txt", "read")], children.Items.Select(i => (i.Name, i.Path, i.Access)));
        Assert.All(children.Items, i => Assert.Equal(w.Team.Id, i.ParentId));
        var deep = await GetAsync<ItemDto>(w.Bob, $"/api/v1/items/{w.SubFile.Id}");
        Assert.Equal(("/Team/Sub/b.txt", w.Sub.Id), (deep.Path, deep.ParentId));
        Assert.Equal("deeper", await w.Bob.Client.GetStringAsync($"/api/v1/items/{w.SubFile.Id}/content", Ct));
        using var head = new HttpRequestMessage(HttpMethod.Head, $"/api/v1/items/{w.TeamFile.Id}/content");
        Assert.Equal(HttpStatusCode.OK, (await w.Bob.Client.SendAsync(head, Ct)).StatusCode);
        var byPath = await GetAsync<ItemDto>(w.Bob, "/api/v1/items/by-path?path=/Team/Sub/b.txt");
        Assert.Equal(w.SubFile.Id, byPath.Id);

        var link = (await (await w.Bob.Client.PostAsJsonAsync($"/api/v1/items/{w.TeamFile.Id}/download-url", new { }, Ct)).Content.ReadFromJsonAsync<DownloadUrlDto>(Ct))!;
        using var anonymous = server.App.CreateStreamingClient();
        Assert.Equal("team notes", await anonymous.GetStringAsync(link.Url, Ct));
    }

    [Fact]
    public async Task OwnTreeComesFirstByPath_AndTheOwnerStillSeesFullPaths()
    {
        var w = await WorldAsync();
        var own = await w.Bob.CreateFolderAsync("Team");

        Assert.Equal(own.Id, (await GetAsync<ItemDto>(w.Bob, "/api/v1/items/by-path?path=/Team")).Id);
        Assert.Equal(w.TeamFile.Id, (await GetAsync<ItemDto>(w.Bob, "/api/v1/items/by-path?path=/Team/a.txt")).Id);
        var mine = await GetAsync<ItemDto>(w.Alice, $"/api/v1/items/{w.SubFile.Id}");
        Assert.Equal(("/Team/Sub/b.txt", "owner"), (mine.Path, mine.Access));
        Assert.Equal("root", (await GetAsync<ItemDto>(w.Alice, $"/api/v1/items/{w.Team.Id}")).ParentId);
    }

    /// <summary>Alice's items outside the shared folder, as the grantees try to reach them.</summary>
    public static TheoryData<string, string, string?> OutsideRoutes => new()
    {
        { "GET", "/api/v1/items/{secret}", null },
        { "GET", "/api/v1/items/{secretFile}", null },
        { "GET", "/api/v1/items/{rootFile}", null },
        { "GET", "/api/v1/items/{aliceRoot}", null },
        { "GET", "/api/v1/items/{aliceRoot}/children", null },
        { "GET", "/api/v1/items/{secret}/children", null },
        { "GET", "/api/v1/items/{secretFile}/content", null },
        { "GET", "/api/v1/items/by-path?path=/Secret/s.txt", null },
        { "GET", "/api/v1/items/by-path?path=/root.txt", null },
        { "POST", "/api/v1/items/{secretFile}/download-url", "{}" },
        { "POST", "/api/v1/items/{secret}/folders", """{"name":"x"}""" },
        { "PUT", "/api/v1/items/{aliceRoot}/content?name=x.txt", "raw" },
        { "PATCH", "/api/v1/items/{secretFile}", """{"name":"x.txt"}""" },
        { "DELETE", "/api/v1/items/{secretFile}", null },
        { "POST", "/api/v1/items/{secret}/uploads", """{"name":"x.bin","size":1}""" },
        { "GET", "/api/v1/items/{secret}/grants", null },
    };

    [Theory]
    [MemberData(nameof(OutsideRoutes))]
    public async Task Grantees_GetA404_ForEverythingOutsideTheSharedFolder(string method, string route, string? body)
    {
        var w = await WorldAsync();
        foreach (var grantee in new[] { w.Bob, w.Carol })
        {
            var response = await SendAsync(grantee, w, method, route, body);
            await Problem.AssertAsync(response, HttpStatusCode.NotFound);
        }
        await AssertAliceUntouchedAsync(w);
    }

    /// <summary>Every item route inside the shared folder, as IsolationTests does for one's own items.</summary>
    public static TheoryData<string, string, string?> InsideRoutes => new()
    {
        { "GET", "/api/v1/items/{team}", null },
        { "GET", "/api/v1/items/{teamFile}", null },
        { "GET", "/api/v1/items/{team}/children", null },
        { "GET", "/api/v1/items/{teamFile}/content", null },
        { "GET", "/api/v1/items/{team}/grants", null },
        { "POST", "/api/v1/items/{teamFile}/download-url", "{}" },
        { "POST", "/api/v1/items/{team}/folders", """{"name":"intruder"}""" },
        { "PUT", "/api/v1/items/{team}/content?name=intruder.txt", "raw" },
        { "PATCH", "/api/v1/items/{teamFile}", """{"name":"stolen.txt"}""" },
        { "DELETE", "/api/v1/items/{teamFile}", null },
        { "DELETE", "/api/v1/items/{team}", null },
        { "POST", "/api/v1/items/{team}/uploads", """{"name":"x.bin","size":1}""" },
        { "POST", "/api/v1/items/{team}/grants", """{"email":"{dave}","access":"read"}""" },
    };

    [Theory]
    [MemberData(nameof(InsideRoutes))]
    public async Task AThirdUser_GetsA404_InsideTheSharedFolder(string method, string route, string? body)
    {
        var w = await WorldAsync();

        var response = await SendAsync(w.Dave, w, method, route, body);

        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
        await AssertAliceUntouchedAsync(w);
    }

    [Fact]
    public async Task NestedGrants_TheWidestAccessWins()
    {
        var w = await WorldAsync();
        var subGrant = await GrantAsync(w.Alice, w.Sub.Id, w.Bob.Email, "readWrite");

        var children = await GetAsync<ItemListDto>(w.Bob, $"/api/v1/items/{w.Team.Id}/children");
        Assert.Equal([("Sub", "readWrite"), ("a.txt", "read")], children.Items.Select(i => (i.Name, i.Access)));
        Assert.Equal(HttpStatusCode.Created, (await w.Bob.PutAsync("bob.txt", [1], w.Sub.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await w.Bob.PutAsync("bob.txt", [1], w.Team.Id)).StatusCode);
        var shared = await GetAsync<SharedListDto>(w.Bob, "/api/v1/shared-with-me");
        Assert.Equal([("Sub", "/Sub", "readWrite"), ("Team", "/Team", "read")], shared.Items.Select(i => (i.Item.Name, i.Item.Path, i.Access)));
        // Sub is a shared folder of its own for Bob: he cannot rename it either.
        await Problem.AssertAsync(await w.Bob.Client.PatchAsJsonAsync($"/api/v1/items/{w.Sub.Id}", new { name = "Mine" }, Ct), HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.NoContent, (await w.Alice.Client.DeleteAsync($"/api/v1/grants/{subGrant.Id}", Ct)).StatusCode);
        Assert.Equal("read", (await GetAsync<ItemDto>(w.Bob, $"/api/v1/items/{w.SubFile.Id}")).Access);
    }

    // ---- writing ----------------------------------------------------------------------------------

    /// <summary>Every change a read-only grantee might try inside the shared folder.</summary>
    public static TheoryData<string, string, string?> WriteRoutes => new()
    {
        { "POST", "/api/v1/items/{team}/folders", """{"name":"new"}""" },
        { "POST", "/api/v1/items/{sub}/folders", """{"name":"new"}""" },
        { "PUT", "/api/v1/items/{team}/content?name=new.txt", "raw" },
        { "PUT", "/api/v1/items/{team}/content?name=a.txt&conflict=replace", "raw" },
        { "PATCH", "/api/v1/items/{teamFile}", """{"name":"renamed.txt"}""" },
        { "PATCH", "/api/v1/items/{teamFile}", """{"parentId":"{sub}"}""" },
        { "PATCH", "/api/v1/items/{sub}", """{"name":"Renamed"}""" },
        { "DELETE", "/api/v1/items/{teamFile}", null },
        { "DELETE", "/api/v1/items/{sub}", null },
        { "POST", "/api/v1/items/{team}/uploads", """{"name":"x.bin","size":1}""" },
    };

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task ReadOnlyGrantee_Gets403_OnEveryChange(string method, string route, string? body)
    {
        var w = await WorldAsync();

        var response = await SendAsync(w.Bob, w, method, route, body);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("You can view this folder but not change it.", problem.GetProperty("title").GetString());
        await AssertAliceUntouchedAsync(w);
    }

    [Fact]
    public async Task ReadWriteGrantee_UploadsCreatesRenamesMovesDeletes_Inside()
    {
        var w = await WorldAsync();
        var carol = w.Carol;

        var upload = await carol.PutAsync("carol.txt", "from carol"u8.ToArray(), w.Team.Id);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var file = (await upload.Content.ReadFromJsonAsync<ItemDto>(Ct))!;
        Assert.Equal(("/Team/carol.txt", "readWrite", w.Team.Id), (file.Path, file.Access, file.ParentId));
        var folder = await carol.CreateFolderAsync("Drafts", w.Team.Id);
        Assert.Equal("/Team/Drafts", folder.Path);

        var renamed = await carol.Client.PatchAsJsonAsync($"/api/v1/items/{file.Id}", new { name = "carol v2.txt" }, Ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var moved = await carol.Client.PatchAsJsonAsync($"/api/v1/items/{file.Id}", new { parentId = folder.Id }, Ct);
        Assert.Equal("/Team/Drafts/carol v2.txt", (await moved.Content.ReadFromJsonAsync<ItemDto>(Ct))!.Path);
        var replaced = await carol.PutAsync("a.txt", "rewritten"u8.ToArray(), w.Team.Id, "replace");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await carol.Client.DeleteAsync($"/api/v1/items/{w.SubFile.Id}", Ct)).StatusCode);

        // Alice sees all of it as her own, at her full paths.
        var mine = await GetAsync<ItemDto>(w.Alice, $"/api/v1/items/{file.Id}");
        Assert.Equal(("/Team/Drafts/carol v2.txt", "owner"), (mine.Path, mine.Access));
        Assert.Equal("from carol", await w.Alice.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Ct));
        Assert.Equal("rewritten", await w.Alice.Client.GetStringAsync($"/api/v1/items/{w.TeamFile.Id}/content", Ct));
        Assert.Empty((await w.Alice.ChildrenAsync(w.Sub.Id)).Items);
        // And Bob, read-only, sees Carol's changes too.
        Assert.Equal(["Drafts", "Sub", "a.txt"], (await w.Bob.ChildrenAsync(w.Team.Id)).Items.Select(i => i.Name));
    }

    [Fact]
    public async Task GranteesUpload_BelongsToTheOwner_StoredUnderTheOwnersKey_WrittenByTheGrantee()
    {
        var w = await WorldAsync();
        var aliceBefore = (await GetAsync<MeDto>(w.Alice, "/api/v1/me")).UsedBytes;

        var file = await w.Carol.UploadAsync("big.bin", new byte[1000], w.Team.Id);

        Assert.Equal(aliceBefore + 1000, (await GetAsync<MeDto>(w.Alice, "/api/v1/me")).UsedBytes);
        Assert.Equal(0, (await GetAsync<MeDto>(w.Carol, "/api/v1/me")).UsedBytes);
        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        var id = Guid.Parse(file.Id);
        var item = await db.Items.AsNoTracking().SingleAsync(i => i.Id == id, Ct);
        var version = await db.FileVersions.AsNoTracking().Include(v => v.Blob).SingleAsync(v => v.ItemId == id, Ct);
        Assert.Equal(w.Alice.Id, item.OwnerId);
        Assert.Equal(w.Carol.Id, version.CreatedBy);
        Assert.StartsWith($"u/{w.Alice.Id:N}/", version.Blob.StoreKey, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, HttpStatusCode> RefusedChanges => new()
    {
        { "PATCH {team}", """{"name":"Mine now"}""", HttpStatusCode.Forbidden },
        { "PATCH {team}", """{"parentId":"root"}""", HttpStatusCode.Forbidden },
        { "DELETE {team}", "", HttpStatusCode.Forbidden },
        { "PATCH {teamFile}", """{"parentId":"root"}""", HttpStatusCode.BadRequest },
        { "PATCH {carolFile}", """{"parentId":"{team}"}""", HttpStatusCode.BadRequest },
        { "PATCH {teamFile}", """{"parentId":"{secret}"}""", HttpStatusCode.NotFound },
        { "PATCH {teamFile}", """{"parentId":"{carolFolder}"}""", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(RefusedChanges))]
    public async Task ReadWriteGrantee_CannotTouchTheSharedFolderItself_OrMoveAcrossItsEdge(string request, string body, HttpStatusCode status)
    {
        var w = await WorldAsync();
        var carolFile = await w.Carol.UploadAsync("mine.txt", "carol's own");
        var carolFolder = await w.Carol.CreateFolderAsync("Own");
        var (method, route) = (request.Split(' ')[0], "/api/v1/items/" + request.Split(' ')[1]);
        route = route.Replace("{carolFile}", carolFile.Id, StringComparison.Ordinal);
        body = body.Replace("{carolFolder}", carolFolder.Id, StringComparison.Ordinal);

        var response = await SendAsync(w.Carol, w, method, route, body.Length == 0 ? null : body);

        await Problem.AssertAsync(response, status, status == HttpStatusCode.BadRequest ? "parentId" : null);
        await AssertAliceUntouchedAsync(w);
        Assert.Equal(["Own", "mine.txt"], (await w.Carol.ChildrenAsync()).Items.Select(i => i.Name));
    }

    // ---- changing and ending access ----------------------------------------------------------------

    [Fact]
    public async Task ChangeAccess_AppliesAtTheNextRequest()
    {
        var w = await WorldAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await w.Bob.PutAsync("x.txt", [1], w.Team.Id)).StatusCode);

        var changed = await w.Alice.Client.PatchAsJsonAsync($"/api/v1/grants/{w.BobGrant.Id}", new { access = "readWrite" }, Ct);
        Assert.Equal("readWrite", (await changed.Content.ReadFromJsonAsync<GrantDto>(Ct))!.Access);
        Assert.Equal(HttpStatusCode.Created, (await w.Bob.PutAsync("x.txt", [1], w.Team.Id)).StatusCode);

        await w.Alice.Client.PatchAsJsonAsync($"/api/v1/grants/{w.BobGrant.Id}", new { access = "read" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, (await w.Bob.PutAsync("y.txt", [1], w.Team.Id)).StatusCode);
        Assert.Equal("read", (await GetAsync<ItemDto>(w.Bob, $"/api/v1/items/{w.Team.Id}")).Access);
    }

    [Fact]
    public async Task Revoke_Ends_AccessAtOnce_EverywhereIncludingSignedLinks()
    {
        var w = await WorldAsync();
        var link = (await (await w.Bob.Client.PostAsJsonAsync($"/api/v1/items/{w.TeamFile.Id}/download-url", new { }, Ct)).Content.ReadFromJsonAsync<DownloadUrlDto>(Ct))!;

        Assert.Equal(HttpStatusCode.NoContent, (await w.Alice.Client.DeleteAsync($"/api/v1/grants/{w.BobGrant.Id}", Ct)).StatusCode);

        foreach (var url in new[] { $"/api/v1/items/{w.Team.Id}", $"/api/v1/items/{w.Team.Id}/children", $"/api/v1/items/{w.SubFile.Id}", $"/api/v1/items/{w.TeamFile.Id}/content" })
            await Problem.AssertAsync(await w.Bob.Client.GetAsync(url, Ct), HttpStatusCode.NotFound);
        Assert.Empty((await GetAsync<SharedListDto>(w.Bob, "/api/v1/shared-with-me")).Items);
        Assert.Equal([w.Carol.Email], (await GetAsync<GrantListDto>(w.Alice, $"/api/v1/items/{w.Team.Id}/grants")).Items.Select(g => g.Email));
        using var anonymous = server.App.CreateStreamingClient();
        if (link.Url.StartsWith(anonymous.BaseAddress!.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(link.Url, Ct)).StatusCode); // the server's own link checks access again
        await Problem.AssertAsync(await w.Bob.Client.DeleteAsync($"/api/v1/grants/{w.BobGrant.Id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Leave_ByTheGrantee_EndsTheirAccess_AndLeavesTheOthers()
    {
        var w = await WorldAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await w.Carol.Client.DeleteAsync($"/api/v1/grants/{w.CarolGrant.Id}", Ct)).StatusCode);

        await Problem.AssertAsync(await w.Carol.Client.GetAsync($"/api/v1/items/{w.Team.Id}", Ct), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await w.Bob.Client.GetAsync($"/api/v1/items/{w.Team.Id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Revoke_DuringAnUpload_RefusesItsCommit_AndStoresNothing()
    {
        var w = await WorldAsync();
        var body = new GatedStream(8 * 1024 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Put, TestUser.ContentUrl(w.Team.Id, "late.bin"))
        {
            Content = new StreamContent(body),
        };
        request.Content.Headers.ContentLength = body.Length;

        var sending = w.Carol.Client.SendAsync(request, Ct);
        await body.Reached.Task.WaitAsync(Ct); // 4 MiB are on their way: the server is past its first check, storing the body
        Assert.Equal(HttpStatusCode.NoContent, (await w.Alice.Client.DeleteAsync($"/api/v1/grants/{w.CarolGrant.Id}", Ct)).StatusCode);
        body.Release.SetResult();
        var response = await sending;

        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.DoesNotContain("late.bin", (await w.Alice.ChildrenAsync(w.Team.Id)).Items.Select(i => i.Name));
    }

    [Fact]
    public async Task DeletingTheSharedFolder_EndsItsGrants()
    {
        var w = await WorldAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await w.Alice.Client.DeleteAsync($"/api/v1/items/{w.Team.Id}", Ct)).StatusCode);

        Assert.Empty((await GetAsync<SharedListDto>(w.Bob, "/api/v1/shared-with-me")).Items);
        await Problem.AssertAsync(await w.Bob.Client.GetAsync($"/api/v1/items/{w.TeamFile.Id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DirectUpload_ByAGrantee_IsTheOwnersFile_AndARevokeMidwayRefusesItsCompletion()
    {
        using var app = ScaleOut.ScaleOutApps.First(("Coffer:Encryption:Enabled", "false"));
        var w = await WorldAsync(app);
        using var bucket = new HttpClient(); // no credentials: the signed part URLs let the bytes in

        var done = await CompleteAsync(w.Carol, w.Team.Id, await SendPartsAsync(w.Carol, w.Team.Id, "direct.bin", bucket));
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        var file = (await done.Content.ReadFromJsonAsync<ItemDto>(Ct))!;
        Assert.Equal(("/Team/direct.bin", "readWrite"), (file.Path, file.Access));
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
            var id = Guid.Parse(file.Id);
            Assert.Equal(w.Alice.Id, (await db.Items.AsNoTracking().SingleAsync(i => i.Id == id, Ct)).OwnerId);
            var version = await db.FileVersions.AsNoTracking().Include(v => v.Blob).SingleAsync(v => v.ItemId == id, Ct);
            Assert.StartsWith($"u/{w.Alice.Id:N}/", version.Blob.StoreKey, StringComparison.Ordinal);
            Assert.Equal(w.Carol.Id, version.CreatedBy);
        }

        var late = await SendPartsAsync(w.Carol, w.Team.Id, "late.bin", bucket);
        Assert.Equal(HttpStatusCode.NoContent, (await w.Alice.Client.DeleteAsync($"/api/v1/grants/{w.CarolGrant.Id}", Ct)).StatusCode);
        await Problem.AssertAsync(await CompleteAsync(w.Carol, w.Team.Id, late), HttpStatusCode.NotFound);
        Assert.DoesNotContain("late.bin", (await w.Alice.ChildrenAsync(w.Team.Id)).Items.Select(i => i.Name));
    }

    private static async Task<(DirectUploadDto Ticket, List<object> Parts)> SendPartsAsync(TestUser user, string folderId, string name, HttpClient bucket)
    {
        var started = await user.Client.PostAsJsonAsync($"/api/v1/items/{folderId}/uploads", new { name, size = 10 }, Ct);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var ticket = (await started.Content.ReadFromJsonAsync<DirectUploadDto>(Ct))!;
        var part = Assert.Single(ticket.Parts);
        var put = await bucket.PutAsync(part.Url, new ByteArrayContent("0123456789"u8.ToArray()), Ct);
        Assert.True(put.IsSuccessStatusCode, $"PUT part answered {(int)put.StatusCode}");
        return (ticket, [new { number = part.Number, etag = put.Headers.ETag!.Tag }]);
    }

    private static Task<HttpResponseMessage> CompleteAsync(TestUser user, string folderId, (DirectUploadDto Ticket, List<object> Parts) upload) =>
        user.Client.PostAsJsonAsync($"/api/v1/items/{folderId}/uploads/{upload.Ticket.Id}/complete", new { parts = upload.Parts }, Ct);

    // ---- helpers ------------------------------------------------------------------------------------

    private static async Task<HttpResponseMessage> SendAsync(TestUser user, World w, string method, string route, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), Fill(w, route));
        if (body is not null)
            request.Content = new StringContent(Fill(w, body), System.Text.Encoding.UTF8, method == "PUT" ? "application/octet-stream" : "application/json");
        return await user.Client.SendAsync(request, Ct);
    }

    private static string Fill(World w, string template) => template
        .Replace("{teamFile}", w.TeamFile.Id, StringComparison.Ordinal)
        .Replace("{team}", w.Team.Id, StringComparison.Ordinal)
        .Replace("{sub}", w.Sub.Id, StringComparison.Ordinal)
        .Replace("{secretFile}", w.SecretFile.Id, StringComparison.Ordinal)
        .Replace("{secret}", w.Secret.Id, StringComparison.Ordinal)
        .Replace("{rootFile}", w.RootFile.Id, StringComparison.Ordinal)
        .Replace("{aliceRoot}", w.Alice.Id.ToString(), StringComparison.Ordinal)
        .Replace("{dave}", w.Dave.Email, StringComparison.Ordinal);

    private static async Task AssertAliceUntouchedAsync(World w)
    {
        Assert.Equal(["Secret", "Team", "root.txt"], (await w.Alice.ChildrenAsync()).Items.Select(i => i.Name));
        Assert.Equal(["Sub", "a.txt"], (await w.Alice.ChildrenAsync(w.Team.Id)).Items.Select(i => i.Name));
        Assert.Equal(["b.txt"], (await w.Alice.ChildrenAsync(w.Sub.Id)).Items.Select(i => i.Name));
        Assert.Equal(["s.txt"], (await w.Alice.ChildrenAsync(w.Secret.Id)).Items.Select(i => i.Name));
        Assert.Equal("team notes", await w.Alice.Client.GetStringAsync($"/api/v1/items/{w.TeamFile.Id}/content", Ct));
        Assert.Equal(2, (await GetAsync<GrantListDto>(w.Alice, $"/api/v1/items/{w.Team.Id}/grants")).Items.Count);
    }

    /// <summary>A body that sends half its bytes, says so, and waits to be released before sending the rest.</summary>
    private sealed class GatedStream(long length) : Stream
    {
        private long _position;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= length / 2)
            {
                Reached.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }
            var n = (int)Math.Min(buffer.Length, length - _position);
            buffer.Span[..n].Fill(7);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
