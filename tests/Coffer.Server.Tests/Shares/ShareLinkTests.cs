using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Web;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Tests.Shares;

/// <summary>Share links to a file: creating, listing, revoking, expiry, download limits, the public page.</summary>
public sealed class ShareLinkTests : IDisposable
{
    private readonly CofferApp _app = new(("Coffer:Shares:MaxExpiryDays", "30"));

    public void Dispose() => _app.Dispose();

    private async Task<(TestUser Owner, string FileId)> FileAsync(string name = "report.txt", string text = "hello, shared world")
    {
        var owner = await _app.NewUserAsync();
        var file = await owner.UploadAsync(name, text);
        return (owner, file.Id);
    }

    [Fact]
    public async Task Create_NoExpiryGiven_LastsSevenDaysWithAnAbsoluteUrl()
    {
        var (owner, fileId) = await FileAsync();

        var share = await owner.ShareAsync(fileId);

        Assert.Equal(_app.Clock.GetUtcNow().AddDays(7), share.ExpiresAt);
        Assert.True(share.Token.Length >= 22, "at least 128 bits of base64url");
        Assert.Matches("^[A-Za-z0-9_-]+$", share.Token);
        var url = new Uri(share.Url);
        Assert.True(url.IsAbsoluteUri);
        Assert.Equal($"/s/{share.Token}", url.AbsolutePath);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(31)]
    public async Task Create_ExpiryOutsideOneToTheMaximum_IsRefusedNamingTheField(int days)
    {
        var (owner, fileId) = await FileAsync();

        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{fileId}/shares", new { expiresInDays = days });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "expiresInDays");
    }

    [Fact]
    public async Task Create_TheMaximumExpiry_IsAccepted()
    {
        var (owner, fileId) = await FileAsync();

        var share = await owner.ShareAsync(fileId, new { expiresInDays = 30 });

        Assert.Equal(_app.Clock.GetUtcNow().AddDays(30), share.ExpiresAt);
    }

    [Theory]
    [InlineData("maxDownloads", 0)]
    [InlineData("maxDownloads", -3)]
    public async Task Create_DownloadLimitBelowOne_IsRefused(string field, int value)
    {
        var (owner, fileId) = await FileAsync();

        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{fileId}/shares", new Dictionary<string, int> { [field] = value });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Create_AnotherUsersItem_IsNotFound()
    {
        var (_, fileId) = await FileAsync();
        var stranger = await _app.NewUserAsync();

        var response = await stranger.Client.PostAsJsonAsync($"/api/v1/items/{fileId}/shares", new { });

        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Create_WritesAShareCreatedEvent()
    {
        var (owner, fileId) = await FileAsync();

        var share = await owner.ShareAsync(fileId);

        var created = Assert.Single(await _app.EventsAsync(owner.Id, "share.created"));
        Assert.Equal(share.Id, created.GetProperty("shareId").GetGuid());
        Assert.Equal(fileId, created.GetProperty("itemId").GetGuid().ToString());
    }

    [Fact]
    public async Task Token_IsStoredOnlyAsItsHash()
    {
        var (owner, fileId) = await FileAsync();

        var share = await owner.ShareAsync(fileId, new { password = "open sesame" });

        var row = await _app.ShareRowAsync(share.Id);
        Assert.Equal(ShareHelpers.Sha256Hex(share.Token), row.TokenHash);
        Assert.DoesNotContain(share.Token, row.TokenHash, StringComparison.Ordinal);
        Assert.DoesNotContain("open sesame", row.PasswordHash!, StringComparison.Ordinal);
        // No column of any share row holds the token or the password in clear.
        var all = await _app.DbAsync(async db =>
        {
            var connection = db.Database.GetDbConnection(); // the context owns it
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM \"Shares\"";
            var text = new StringBuilder();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                    text.Append(reader.GetValue(i)).Append('|');
            }
            return text.ToString();
        });
        Assert.DoesNotContain(share.Token, all, StringComparison.Ordinal);
        Assert.DoesNotContain("open sesame", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ShowsStateAndCountsButNeverTheToken()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId, new { maxDownloads = 5, password = "pw" });
        using var visitor = _app.Visitor();
        await visitor.EnterPasswordAsync(share.Token, "pw");
        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/s/{share.Token}/content")).StatusCode);

        var raw = await owner.Client.GetStringAsync("/api/v1/shares");
        var listed = Assert.Single(await owner.SharesAsync());

        Assert.DoesNotContain(share.Token, raw, StringComparison.Ordinal);
        Assert.Equal(share.Id, listed.Id);
        Assert.Equal("link", listed.Kind);
        Assert.Equal(fileId, listed.ItemId);
        Assert.Equal("report.txt", listed.ItemName);
        Assert.Equal("file", listed.ItemKind);
        Assert.Equal("/report.txt", listed.Path);
        Assert.Equal("active", listed.State);
        Assert.True(listed.HasPassword);
        Assert.Equal(5, listed.MaxDownloads);
        Assert.Equal(1, listed.Downloads);
        Assert.Equal(share.ExpiresAt, listed.ExpiresAt);
    }

    [Fact]
    public async Task List_OnlyTheCallersShares()
    {
        var (owner, fileId) = await FileAsync();
        await owner.ShareAsync(fileId);
        var stranger = await _app.NewUserAsync();

        Assert.Empty(await stranger.SharesAsync());
    }

    [Fact]
    public async Task PublicPage_FileShare_ShowsNameSizeAndDownloadWithoutSignIn()
    {
        var (owner, fileId) = await FileAsync("notes.txt", "twelve bytes");
        var share = await owner.ShareAsync(fileId);
        using var visitor = _app.Visitor();

        var html = await visitor.PageAsync($"/s/{share.Token}");

        Assert.Contains("notes.txt", html, StringComparison.Ordinal);
        Assert.Contains("12 B", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/s/{share.Token}/content\"", html, StringComparison.Ordinal);
        Assert.Contains($"src=\"/s/{share.Token}/preview\"", html, StringComparison.Ordinal); // a text preview, rendered

        var preview = await visitor.Client.GetAsync($"/s/{share.Token}/preview");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Contains("twelve bytes", await preview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("sandbox", preview.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_PathGivenTwice_IsRefusedNotGuessed()
    {
        var (owner, fileId) = await FileAsync("notes.txt", "twelve bytes");
        var share = await owner.ShareAsync(fileId);
        using var visitor = _app.Visitor();

        var response = await visitor.Client.GetAsync($"/s/{share.Token}/content?path=/a&path=/b");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Content_FileShare_HasTheItemContentHeaders()
    {
        var (owner, fileId) = await FileAsync("notes.txt", "twelve bytes");
        var share = await owner.ShareAsync(fileId);
        using var visitor = _app.Visitor();

        var response = await visitor.Client.GetAsync($"/s/{share.Token}/content");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("twelve bytes", await response.Content.ReadAsStringAsync());
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("notes.txt", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());

        var ranged = new HttpRequestMessage(HttpMethod.Get, $"/s/{share.Token}/content");
        ranged.Headers.Range = new RangeHeaderValue(7, null);
        var partial = await visitor.Client.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("bytes", await partial.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Content_Download_IsCountedWithAnAccessEvent()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId);
        using var visitor = _app.Visitor();

        await visitor.Client.GetAsync($"/s/{share.Token}/content");

        Assert.Equal(1, (await _app.ShareRowAsync(share.Id)).Downloads);
        var accessed = Assert.Single(await _app.EventsAsync(owner.Id, "share.accessed"));
        Assert.Equal(share.Id, accessed.GetProperty("shareId").GetGuid());
    }

    [Fact]
    public async Task Unknown_Token_Is404PageAndProblem()
    {
        using var visitor = _app.Visitor();
        var token = new string('A', 32);

        var page = await visitor.Client.GetAsync($"/s/{token}");
        var malformed = await visitor.Client.GetAsync("/s/short");
        var content = await visitor.Client.GetAsync($"/s/{token}/content");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("This link does not exist.", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        await Problem.AssertAsync(content, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Expired_Is410PageAndProblem()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId, new { expiresInDays = 1 });
        using var visitor = _app.Visitor();
        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/s/{share.Token}")).StatusCode);

        _app.Clock.Advance(TimeSpan.FromDays(1));

        var page = await visitor.Client.GetAsync($"/s/{share.Token}");
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Contains("expired", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content"), HttpStatusCode.Gone);
        Assert.Equal("expired", Assert.Single(await owner.SharesAsync()).State);
    }

    [Fact]
    public async Task Revoke_EndsTheLinkAndWritesAnEvent()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId);

        var revoked = await owner.Client.DeleteAsync($"/api/v1/shares/{share.Id}");

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var visitor = _app.Visitor();
        Assert.Equal(HttpStatusCode.Gone, (await visitor.Client.GetAsync($"/s/{share.Token}")).StatusCode);
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content"), HttpStatusCode.Gone);
        Assert.Equal("revoked", Assert.Single(await owner.SharesAsync()).State);
        Assert.Single(await _app.EventsAsync(owner.Id, "share.revoked"));
    }

    [Fact]
    public async Task Revoke_AnotherUsersShareOrAnUnknownOne_IsNotFound()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId);
        var stranger = await _app.NewUserAsync();

        await Problem.AssertAsync(await stranger.Client.DeleteAsync($"/api/v1/shares/{share.Id}"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await owner.Client.DeleteAsync($"/api/v1/shares/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await owner.Client.DeleteAsync("/api/v1/shares/not-an-id"), HttpStatusCode.NotFound);
        Assert.Equal("active", Assert.Single(await owner.SharesAsync()).State);
    }

    [Fact]
    public async Task DownloadLimit_ThenGone()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId, new { maxDownloads = 2 });
        using var visitor = _app.Visitor();

        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/s/{share.Token}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/s/{share.Token}/content")).StatusCode);
        var third = await visitor.Client.GetAsync($"/s/{share.Token}/content");

        await Problem.AssertAsync(third, HttpStatusCode.Gone);
        Assert.Equal(HttpStatusCode.Gone, (await visitor.Client.GetAsync($"/s/{share.Token}")).StatusCode);
        var listed = Assert.Single(await owner.SharesAsync());
        Assert.Equal("exhausted", listed.State);
        Assert.Equal(2, listed.Downloads);
    }

    [Fact]
    public async Task DownloadLimit_PreviewsHeadAndResumedRangesDoNotCount()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId, new { maxDownloads = 1 });
        using var visitor = _app.Visitor();

        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.GetAsync($"/s/{share.Token}/content?inline=true")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await visitor.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/s/{share.Token}/content"))).StatusCode);
        var resumed = new HttpRequestMessage(HttpMethod.Get, $"/s/{share.Token}/content");
        resumed.Headers.Range = new RangeHeaderValue(5, null);
        Assert.Equal(HttpStatusCode.PartialContent, (await visitor.Client.SendAsync(resumed)).StatusCode);
        Assert.Equal(0, (await _app.ShareRowAsync(share.Id)).Downloads);

        var first = new HttpRequestMessage(HttpMethod.Get, $"/s/{share.Token}/content");
        first.Headers.Range = new RangeHeaderValue(0, 4); // a download's first request counts, ranged or not
        Assert.Equal(HttpStatusCode.PartialContent, (await visitor.Client.SendAsync(first)).StatusCode);
        Assert.Equal(1, (await _app.ShareRowAsync(share.Id)).Downloads);
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content"), HttpStatusCode.Gone);
    }

    [Fact]
    public async Task DownloadLimit_EveryRequestThatCanCarryTheWholeFileCounts()
    {
        var (owner, fileId) = await FileAsync("data.bin", "0123456789");
        var share = await owner.ShareAsync(fileId, new { maxDownloads = 10 });
        using var visitor = _app.Visitor();

        // A type with no preview asked for "inline" comes as an attachment: a download.
        var inline = await visitor.Client.GetAsync($"/s/{share.Token}/content?inline=true");
        Assert.Equal("attachment", inline.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(1, (await _app.ShareRowAsync(share.Id)).Downloads);

        var suffix = new HttpRequestMessage(HttpMethod.Get, $"/s/{share.Token}/content");
        suffix.Headers.Range = new RangeHeaderValue(null, 1_000_000); // "the last million bytes": all of it
        Assert.Equal("0123456789", await (await visitor.Client.SendAsync(suffix)).Content.ReadAsStringAsync());
        Assert.Equal(2, (await _app.ShareRowAsync(share.Id)).Downloads);

        var several = new HttpRequestMessage(HttpMethod.Get, $"/s/{share.Token}/content");
        several.Headers.Range = new RangeHeaderValue(5, null);
        several.Headers.Range.Ranges.Add(new RangeItemHeaderValue(0, 4));
        await visitor.Client.SendAsync(several);
        Assert.Equal(3, (await _app.ShareRowAsync(share.Id)).Downloads);

        var revalidation = new HttpRequestMessage(HttpMethod.Get, $"/s/{share.Token}/content");
        revalidation.Headers.IfNoneMatch.Add(inline.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await visitor.Client.SendAsync(revalidation)).StatusCode);
        Assert.Equal(3, (await _app.ShareRowAsync(share.Id)).Downloads);
    }

    [Fact]
    public async Task DownloadLimit_ParallelDownloadsNeverExceedIt()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId, new { maxDownloads = 3 });
        var client = _app.CreateStreamingClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.GetAsync($"/s/{share.Token}/content")));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(9, answers.Count(a => a.StatusCode == HttpStatusCode.Gone));
        Assert.Equal(3, (await _app.ShareRowAsync(share.Id)).Downloads);
        Assert.Equal(3, (await _app.EventsAsync(owner.Id, "share.accessed")).Count);
    }

    [Fact]
    public async Task DeletingTheSharedItem_DeletesItsLinks()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.Client.DeleteAsync($"/api/v1/items/{fileId}")).StatusCode);

        using var visitor = _app.Visitor();
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.Client.GetAsync($"/s/{share.Token}")).StatusCode);
        Assert.Empty(await owner.SharesAsync());
    }

    [Fact]
    public async Task RenamingTheSharedItem_KeepsTheLinkWorking()
    {
        var (owner, fileId) = await FileAsync();
        var share = await owner.ShareAsync(fileId);

        (await owner.Client.PatchAsJsonAsync($"/api/v1/items/{fileId}", new { name = "renamed.txt" })).EnsureSuccessStatusCode();

        using var visitor = _app.Visitor();
        var response = await visitor.Client.GetAsync($"/s/{share.Token}/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("renamed.txt", response.Content.Headers.ContentDisposition?.FileNameStar);
    }
}
