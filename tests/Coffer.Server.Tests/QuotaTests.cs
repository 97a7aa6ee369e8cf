using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coffer.Server.Api;
using Coffer.Server.Shares;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Shares;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Tests;

/// <summary>
/// Storage quotas over a real socket: refused before the body when the size is declared, at commit
/// otherwise; parallel uploads never pass the quota together; whoever uploads into a folder, its
/// owner is charged.
/// </summary>
public sealed class QuotaTests : IDisposable
{
    private readonly CofferApp _app = new();
    private TestUser? _admin;

    public QuotaTests()
    {
        _app.UseKestrel(0);
        _app.StartServer();
    }

    public void Dispose() => _app.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The server's first account, which is its admin.</summary>
    private async Task<TestUser> AdminAsync() => _admin ??= await _app.NewUserAsync();

    private async Task<TestUser> UserWithQuotaAsync(long? quotaBytes)
    {
        await AdminAsync();
        var user = await _app.NewUserAsync();
        if (quotaBytes is not null)
            await SetQuotaAsync(user, quotaBytes.Value);
        return user;
    }

    private async Task SetQuotaAsync(TestUser user, long quotaBytes)
    {
        var response = await (await AdminAsync()).Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.Id}", new { quotaBytes }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<MeDto> MeAsync(TestUser user) => (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!;

    private Task<int> ReservationsAsync() => _app.DbAsync(db => db.UploadReservations.CountAsync(Ct));

    [Fact]
    public async Task Upload_DeclaredOverTheQuota_Is413BeforeReadingTheBody()
    {
        var user = await UserWithQuotaAsync(1000);
        await user.UploadAsync("a.bin", new byte[600]);
        var server = new Uri(_app.CreateStreamingClient().BaseAddress!, TestUser.ContentUrl("root", "big.bin"));

        // A raw socket, so nothing between the test and the server waits for the body: 100 MB are
        // declared, one byte is sent, and the answer must come while the rest is still missing.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, Ct);
        var stream = tcp.GetStream();
        var head = $"PUT {server.PathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {user.Token}\r\n" +
            "Content-Type: application/octet-stream\r\nContent-Length: 104857600\r\n\r\nx";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), Ct);
        var answer = await ReadAnswerAsync(stream);

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        var problem = JsonDocument.Parse(answer[answer.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        Assert.Equal("Not enough storage space.", problem.GetProperty("title").GetString());
        Assert.Equal("This upload needs 100 MB; you have 400 B free of your 1000 B quota.", problem.GetProperty("detail").GetString());
        Assert.Equal(1000, problem.GetProperty("quotaBytes").GetInt64());
        Assert.Equal(600, problem.GetProperty("usedBytes").GetInt64());
        Assert.Equal(400, problem.GetProperty("freeBytes").GetInt64());
        Assert.Single((await user.ChildrenAsync()).Items);
        Assert.Single(_app.StoredBlobs());
        Assert.Equal(0, await ReservationsAsync());
    }

    /// <summary>What the server answers, as text: its head and a JSON body, up to the body's last brace (or all until it closes).</summary>
    private static async Task<string> ReadAnswerAsync(Stream stream)
    {
        var text = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(buffer, Ct);
            if (n == 0)
                return text.ToString();
            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
            var sofar = text.ToString();
            var body = sofar.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (body >= 0 && sofar.IndexOf('{', body) >= 0 && sofar.Count(c => c == '{') == sofar.Count(c => c == '}'))
                return sofar[..(sofar.LastIndexOf('}') + 1)]; // a chunked body's framing after the JSON is left out
        }
    }

    [Fact]
    public async Task Upload_ChunkedOverTheQuota_Is413AtCommit_AndLeavesNothing()
    {
        var user = await UserWithQuotaAsync(1000);
        await user.UploadAsync("a.bin", new byte[600]);

        var response = await user.Client.PutAsync(TestUser.ContentUrl("root", "b.bin"),
            new StreamContent(new GeneratedStream(500)), Ct); // no Content-Length: the size is known at the end only

        var problem = await Problem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(400, problem.GetProperty("freeBytes").GetInt64());
        Assert.Single((await user.ChildrenAsync()).Items);
        Assert.Single(_app.StoredBlobs());
        Assert.Equal(600, (await MeAsync(user)).UsedBytes);
        Assert.Equal(0, await ReservationsAsync());
    }

    [Fact]
    public async Task Upload_ExactlyFillingTheQuota_IsAccepted()
    {
        var user = await UserWithQuotaAsync(1000);
        await user.UploadAsync("a.bin", new byte[600]);

        Assert.Equal(HttpStatusCode.Created, (await user.PutAsync("b.bin", new byte[400])).StatusCode);

        var me = await MeAsync(user);
        Assert.Equal((1000L, 1000L), (me.QuotaBytes, me.UsedBytes));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Upload_TwentyInParallel_NeverPassTheQuotaTogether(bool declared)
    {
        var user = await UserWithQuotaAsync(1000);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            HttpContent content = declared ? new ByteArrayContent(new byte[100]) : new StreamContent(new GeneratedStream(100, seed: i + 1));
            using var client = _app.CreateStreamingClient();
            client.DefaultRequestHeaders.Authorization = user.Client.DefaultRequestHeaders.Authorization;
            return await client.PutAsync(TestUser.ContentUrl("root", $"f{i}.bin"), content, Ct);
        }));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.RequestEntityTooLarge));
        Assert.Equal(1000, (await MeAsync(user)).UsedBytes);
        Assert.Equal(10, (await user.ChildrenAsync()).Items.Count);
        Assert.Equal(10, _app.StoredBlobs().Count);
        Assert.Equal(0, await ReservationsAsync());
    }

    [Fact]
    public async Task Usage_CountsVersionsAndTrash_ARestoredVersionOnce_NothingAfterEmptying()
    {
        var user = await UserWithQuotaAsync(200);
        var file = await user.UploadAsync("a.bin", new byte[100]);

        var refused = await user.PutAsync("a.bin", new byte[150], conflict: "replace");
        var fits = await user.PutAsync("a.bin", new byte[90], conflict: "replace");

        await Problem.AssertAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        var now = await user.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/{file.Id}", Ct);
        Assert.Equal(90, now!.Size);
        Assert.Equal(190, (await MeAsync(user)).UsedBytes); // the new content and the kept old version

        var versions = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/items/{file.Id}/versions", Ct);
        var old = versions.GetProperty("versions").EnumerateArray().Single(v => !v.GetProperty("current").GetBoolean());
        var restored = await user.Client.PostAsync($"/api/v1/items/{file.Id}/versions/{old.GetProperty("id").GetString()}/restore", null, Ct);
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        Assert.Equal(190, (await MeAsync(user)).UsedBytes); // a restored version shares its blob: no new bytes

        var deleted = await user.Client.DeleteAsync($"/api/v1/items/{file.Id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(190, (await MeAsync(user)).UsedBytes); // the trash counts
        var emptied = await user.Client.DeleteAsync("/api/v1/trash", Ct);
        Assert.Equal(HttpStatusCode.NoContent, emptied.StatusCode);
        Assert.Equal(0, (await MeAsync(user)).UsedBytes);
    }

    [Fact]
    public async Task Upload_ByAGranteeIntoASharedFolder_IsChargedToTheOwner()
    {
        var owner = await UserWithQuotaAsync(1000);
        var grantee = await UserWithQuotaAsync(10); // their own quota does not matter in the owner's folder
        var team = await owner.CreateFolderAsync("Team");
        var granted = await owner.Client.PostAsJsonAsync($"/api/v1/items/{team.Id}/grants", new { email = grantee.Email, access = "readWrite" }, Ct);
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await grantee.PutAsync("notes.bin", new byte[300], team.Id)).StatusCode);
        var refused = await grantee.PutAsync("more.bin", new byte[800], team.Id);

        var problem = await Problem.AssertAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("the folder's owner has 700 B free", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(300, (await MeAsync(owner)).UsedBytes);
        Assert.Equal(0, (await MeAsync(grantee)).UsedBytes);
    }

    [Fact]
    public async Task Upload_ThroughAFileRequest_IsChargedToTheOwner_AndRefusedWhenTheyAreFull()
    {
        var owner = await UserWithQuotaAsync(100);
        var inbox = await owner.CreateFolderAsync("Inbox");
        var share = await owner.ShareAsync(inbox.Id, new { kind = "request" });
        var visitor = _app.CreateStreamingClient();

        var first = await visitor.PutAsync($"/s/{share.Token}/upload?name=a.bin", new ByteArrayContent(new byte[60]), Ct);
        var second = await visitor.PutAsync($"/s/{share.Token}/upload?name=b.bin", new ByteArrayContent(new byte[60]), Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var problem = await Problem.AssertAsync(second, HttpStatusCode.RequestEntityTooLarge);
        Assert.False(problem.TryGetProperty("quotaBytes", out _)); // a visitor learns nothing of the owner's storage
        Assert.DoesNotContain("100", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(60, (await MeAsync(owner)).UsedBytes);
        Assert.Equal(1, Assert.Single(await owner.SharesAsync()).Uploads);
        Assert.Single(_app.StoredBlobs());
    }

    [Fact]
    public async Task Me_ShowsTheQuotaThatAppliesAndTheBytesUsed()
    {
        var unlimited = await UserWithQuotaAsync(null);
        var limited = await UserWithQuotaAsync(5000);
        await unlimited.UploadAsync("a.bin", new byte[123]);
        await limited.UploadAsync("a.bin", new byte[45]);
        await limited.UploadAsync("b.bin", new byte[5]);

        var a = await MeAsync(unlimited);
        var b = await MeAsync(limited);

        Assert.Equal((null, 123L), (a.QuotaBytes, a.UsedBytes));
        Assert.Equal((5000L, 50L), (b.QuotaBytes, b.UsedBytes));
        var raw = JsonDocument.Parse(await unlimited.Client.GetStringAsync("/api/v1/me", Ct)).RootElement;
        Assert.Equal(JsonValueKind.Null, raw.GetProperty("quotaBytes").ValueKind);
    }

    [Fact]
    public async Task QuotaLoweredBelowUsage_IsAllowed_AndFurtherUploadsAreRefused()
    {
        var user = await UserWithQuotaAsync(1000);
        await user.UploadAsync("a.bin", new byte[600]);

        await SetQuotaAsync(user, 500);

        var me = await MeAsync(user);
        Assert.Equal((500L, 600L), (me.QuotaBytes, me.UsedBytes));
        var problem = await Problem.AssertAsync(await user.PutAsync("b.bin", [1]), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, problem.GetProperty("freeBytes").GetInt64());
        Assert.Single((await user.ChildrenAsync()).Items); // nothing was deleted
    }
}

/// <summary>The configured default quota, and the admin endpoints that set a user's own.</summary>
public sealed class QuotaSettingsTests : IDisposable
{
    private readonly CofferApp _app = new(("Coffer:Quota:DefaultBytes", "5000"));

    public void Dispose() => _app.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
    }

    private static Task<HttpResponseMessage> PatchAsync(TestUser admin, Guid userId, string json) =>
        admin.Client.PatchAsync($"/api/v1/admin/users/{userId}", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);

    [Fact]
    public async Task DefaultQuota_FromConfiguration_AppliesToEveryone()
    {
        var admin = await _app.NewUserAsync();
        var user = await _app.NewUserAsync();

        var me = (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!;
        var refused = await user.PutAsync("big.bin", new byte[5001]);

        Assert.Equal(5000, me.QuotaBytes);
        var problem = await Problem.AssertAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(5000, problem.GetProperty("quotaBytes").GetInt64());
        Assert.Equal(5000, (await admin.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!.QuotaBytes);
    }

    [Fact]
    public async Task AdminUsers_ForANonAdmin_Are403()
    {
        await _app.NewUserAsync();
        var user = await _app.NewUserAsync();

        await Problem.AssertAsync(await user.Client.GetAsync("/api/v1/admin/users", Ct), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await user.Client.GetAsync($"/api/v1/admin/users/{user.Id}", Ct), HttpStatusCode.Forbidden);
        await Problem.AssertAsync(await PatchAsync(user, user.Id, """{"quotaBytes": null}"""), HttpStatusCode.Forbidden);
        Assert.Equal(5000, (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!.QuotaBytes);
    }

    [Fact]
    public async Task AdminUsers_ListsEveryUserWithTheirStorage()
    {
        var admin = await _app.NewUserAsync();
        var user = await _app.NewUserAsync();
        await user.UploadAsync("a.bin", new byte[77]);

        var list = await JsonAsync(await admin.Client.GetAsync("/api/v1/admin/users", Ct));
        var one = await JsonAsync(await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}", Ct));

        var users = list.GetProperty("users").EnumerateArray().ToList();
        Assert.Equal([admin.Id, user.Id], users.Select(u => u.GetProperty("id").GetGuid()));
        Assert.True(users[0].GetProperty("isAdmin").GetBoolean());
        var listed = users[1];
        Assert.Equal(user.Email, listed.GetProperty("email").GetString());
        Assert.False(listed.GetProperty("isAdmin").GetBoolean());
        Assert.False(listed.GetProperty("disabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("quotaBytes").ValueKind);
        Assert.Equal(5000, listed.GetProperty("effectiveQuotaBytes").GetInt64());
        Assert.Equal(77, listed.GetProperty("usedBytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("versionKeepLast").ValueKind);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("versionKeepDays").ValueKind);
        Assert.Equal(listed.GetRawText(), one.GetRawText());
    }

    [Fact]
    public async Task AdminPatch_SetsAndClearsOverrides_LeavingOutWhatIsAbsent()
    {
        var admin = await _app.NewUserAsync();
        var user = await _app.NewUserAsync();

        var set = await JsonAsync(await PatchAsync(admin, user.Id, """{"quotaBytes": 200, "versionKeepLast": 3, "versionKeepDays": 30}"""));
        var partly = await JsonAsync(await PatchAsync(admin, user.Id, """{"versionKeepDays": null}"""));
        var unlimited = await JsonAsync(await PatchAsync(admin, user.Id, """{"quotaBytes": 0}"""));
        var cleared = await JsonAsync(await PatchAsync(admin, user.Id, """{"quotaBytes": null, "versionKeepLast": null}"""));

        Assert.Equal((200L, 200L, 3, 30), (set.GetProperty("quotaBytes").GetInt64(), set.GetProperty("effectiveQuotaBytes").GetInt64(),
            set.GetProperty("versionKeepLast").GetInt32(), set.GetProperty("versionKeepDays").GetInt32()));
        Assert.Equal((200L, 3), (partly.GetProperty("quotaBytes").GetInt64(), partly.GetProperty("versionKeepLast").GetInt32()));
        Assert.Equal(JsonValueKind.Null, partly.GetProperty("versionKeepDays").ValueKind);
        Assert.Equal(0, unlimited.GetProperty("quotaBytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, unlimited.GetProperty("effectiveQuotaBytes").ValueKind); // an override of 0: no quota for this user
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("quotaBytes").ValueKind);
        Assert.Equal(5000, cleared.GetProperty("effectiveQuotaBytes").GetInt64()); // back to the default
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("versionKeepLast").ValueKind);
        Assert.Equal(5000, (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!.QuotaBytes);
    }

    [Theory]
    [InlineData("""{"quotaBytes": -1}""", "quotaBytes")]
    [InlineData("""{"quotaBytes": "lots"}""", "quotaBytes")]
    [InlineData("""{"quotaBytes": 1.5}""", "quotaBytes")]
    [InlineData("""{"versionKeepLast": -2}""", "versionKeepLast")]
    [InlineData("""{"versionKeepDays": -30}""", "versionKeepDays")]
    [InlineData("""{"versionKeepDays": 99999999999}""", "versionKeepDays")]
    [InlineData("""{"versionKeepDays": 100000000}""", "versionKeepDays")]
    public async Task AdminPatch_ABadValue_Is400NamingTheField_AndChangesNothing(string json, string field)
    {
        var admin = await _app.NewUserAsync();
        var user = await _app.NewUserAsync();
        await PatchAsync(admin, user.Id, """{"quotaBytes": 300, "versionKeepLast": 2, "versionKeepDays": 7}""");

        await Problem.AssertAsync(await PatchAsync(admin, user.Id, json), HttpStatusCode.BadRequest, field);

        var now = await JsonAsync(await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}", Ct));
        Assert.Equal((300L, 2, 7), (now.GetProperty("quotaBytes").GetInt64(), now.GetProperty("versionKeepLast").GetInt32(), now.GetProperty("versionKeepDays").GetInt32()));
    }

    [Fact]
    public async Task AdminUser_Unknown_Is404()
    {
        var admin = await _app.NewUserAsync();

        await Problem.AssertAsync(await admin.Client.GetAsync($"/api/v1/admin/users/{Guid.NewGuid()}", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await admin.Client.GetAsync("/api/v1/admin/users/nope", Ct), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await PatchAsync(admin, Guid.NewGuid(), """{"quotaBytes": 1}"""), HttpStatusCode.NotFound);
    }
}
