using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Shares;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Shares;

/// <summary>File requests: visitors drop files into a folder within limits, and see nothing of it.</summary>
public sealed class ShareRequestTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<(TestUser Owner, ItemDto Folder, CreatedShareDto Share)> RequestAsync(object? limits = null)
    {
        var owner = await _app.NewUserAsync();
        var folder = await owner.CreateFolderAsync("Inbox");
        await owner.UploadAsync("existing-secret.txt", "already here", folder.Id);
        var body = new Dictionary<string, object?> { ["kind"] = "request" };
        if (limits is not null)
        {
            foreach (var property in limits.GetType().GetProperties())
                body[property.Name] = property.GetValue(limits);
        }
        return (owner, folder, await owner.ShareAsync(folder.Id, body));
    }

    private Task<HttpResponseMessage> SendAsync(string token, string name, byte[] bytes, HttpClient? client = null) =>
        (client ?? _app.CreateStreamingClient()).PutAsync($"/s/{token}/upload?name={Uri.EscapeDataString(name)}", new ByteArrayContent(bytes));

    [Fact]
    public async Task Create_OnAFile_IsRefused()
    {
        var owner = await _app.NewUserAsync();
        var file = await owner.UploadAsync("a.txt", "a");

        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{file.Id}/shares", new { kind = "request" });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "kind");
    }

    [Theory]
    [InlineData("maxFiles", 0)]
    [InlineData("maxFileBytes", 0)]
    [InlineData("maxDownloads", 3)]
    public async Task Create_BadLimits_AreRefusedNamingTheField(string field, int value)
    {
        var owner = await _app.NewUserAsync();
        var folder = await owner.CreateFolderAsync("Inbox");

        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{folder.Id}/shares",
            new Dictionary<string, object> { ["kind"] = "request", [field] = value });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Page_ShowsOnlyTheUploadForm()
    {
        var (_, _, share) = await RequestAsync();
        using var visitor = _app.Visitor();

        var html = await visitor.PageAsync($"/s/{share.Token}");

        Assert.Contains("id=\"request-files\"", html, StringComparison.Ordinal);
        Assert.Contains("Inbox", html, StringComparison.Ordinal);
        Assert.DoesNotContain("existing-secret.txt", html, StringComparison.Ordinal);
        Assert.DoesNotContain("/content", html, StringComparison.Ordinal);
        Assert.DoesNotContain("/zip", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentZipAndBrowsing_AreNotAvailable()
    {
        var (_, _, share) = await RequestAsync();
        using var visitor = _app.Visitor();

        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/content?path=/existing-secret.txt"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await visitor.Client.GetAsync($"/s/{share.Token}/zip"), HttpStatusCode.NotFound);
        var browse = await visitor.PageAsync($"/s/{share.Token}?path=%2Fexisting-secret.txt");
        Assert.DoesNotContain("existing-secret.txt", browse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_LandsInTheFolderAndTellsTheOwner()
    {
        var (owner, folder, share) = await RequestAsync();

        var response = await SendAsync(share.Token, "invoice.pdf", [1, 2, 3, 4]);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var received = (await response.Content.ReadFromJsonAsync<ReceivedFileDto>())!;
        Assert.Equal("invoice.pdf", received.Name);
        Assert.Equal(4, received.Size);
        var stored = (await owner.ChildrenAsync(folder.Id)).Items.Single(i => i.Name == "invoice.pdf");
        Assert.Equal(4, stored.Size);
        var uploaded = Assert.Single(await _app.EventsAsync(owner.Id, "file.uploaded"));
        Assert.Equal("file-request", uploaded.GetProperty("via").GetString());
        Assert.Equal(share.Id, uploaded.GetProperty("shareId").GetGuid());
        Assert.Equal(stored.Id, uploaded.GetProperty("itemId").GetGuid().ToString());
        Assert.Equal(folder.Id, uploaded.GetProperty("folderId").GetGuid().ToString());
        Assert.Equal(1, Assert.Single(await owner.SharesAsync()).Uploads);
    }

    [Fact]
    public async Task Upload_ATakenName_KeepsBothWithoutSayingSo()
    {
        var (owner, folder, share) = await RequestAsync();

        var response = await SendAsync(share.Token, "existing-secret.txt", [9]);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("existing-secret.txt", (await response.Content.ReadFromJsonAsync<ReceivedFileDto>())!.Name);
        var names = (await owner.ChildrenAsync(folder.Id)).Items.Select(i => i.Name).ToList();
        Assert.Contains("existing-secret.txt", names);
        Assert.Contains("existing-secret (2).txt", names);
        var original = await owner.Client.GetStringAsync($"/api/v1/items/{(await owner.ChildrenAsync(folder.Id)).Items.Single(i => i.Name == "existing-secret.txt").Id}/content");
        Assert.Equal("already here", original);
    }

    [Fact]
    public async Task Upload_BadName_IsRefused()
    {
        var (_, _, share) = await RequestAsync();

        await Problem.AssertAsync(await SendAsync(share.Token, "..", [1]), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task Upload_OverTheSizeLimit_DeclaredOrStreamed_IsRefusedAndLeavesNothing()
    {
        var (owner, folder, share) = await RequestAsync(new { maxFileBytes = 10 });
        var client = _app.CreateStreamingClient();

        var declared = await SendAsync(share.Token, "big.bin", new byte[11]);
        var streamed = await client.PutAsync($"/s/{share.Token}/upload?name=big2.bin",
            new StreamContent(new GeneratedStream(1000))); // no Content-Length: chunked, counted while streaming
        var fits = await SendAsync(share.Token, "small.bin", new byte[10]);

        await Problem.AssertAsync(declared, HttpStatusCode.RequestEntityTooLarge);
        await Problem.AssertAsync(streamed, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.Equal(["existing-secret.txt", "small.bin"], (await owner.ChildrenAsync(folder.Id)).Items.Select(i => i.Name));
        Assert.Equal(1, Assert.Single(await owner.SharesAsync()).Uploads);
    }

    [Fact]
    public async Task Upload_CountLimit_ThenGone()
    {
        var (owner, _, share) = await RequestAsync(new { maxFiles = 2 });

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(share.Token, "1.txt", [1])).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(share.Token, "2.txt", [2])).StatusCode);
        await Problem.AssertAsync(await SendAsync(share.Token, "3.txt", [3]), HttpStatusCode.Gone);

        using var visitor = _app.Visitor();
        Assert.Equal(HttpStatusCode.Gone, (await visitor.Client.GetAsync($"/s/{share.Token}")).StatusCode);
        var listed = Assert.Single(await owner.SharesAsync());
        Assert.Equal("exhausted", listed.State);
        Assert.Equal(2, listed.Uploads);
    }

    [Fact]
    public async Task Upload_ParallelArrivals_NeverExceedTheCountLimit()
    {
        var (owner, folder, share) = await RequestAsync(new { maxFiles = 3 });
        var client = _app.CreateStreamingClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => SendAsync(share.Token, $"f{i}.txt", [(byte)i], client)));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(7, answers.Count(a => a.StatusCode == HttpStatusCode.Gone));
        Assert.Equal(4, (await owner.ChildrenAsync(folder.Id)).Items.Count); // the 3 plus the one already there
        Assert.Equal(3, (await _app.ShareRowAsync(share.Id)).Uploads);
    }

    [Fact]
    public async Task Upload_ToALinkShare_IsNotFound()
    {
        var owner = await _app.NewUserAsync();
        var folder = await owner.CreateFolderAsync("Open");
        var share = await owner.ShareAsync(folder.Id);

        await Problem.AssertAsync(await SendAsync(share.Token, "x.txt", [1]), HttpStatusCode.NotFound);
        Assert.Empty((await owner.ChildrenAsync(folder.Id)).Items);
    }

    [Fact]
    public async Task Upload_Expired_IsGone()
    {
        var (_, _, share) = await RequestAsync(new { expiresInDays = 1 });
        _app.Clock.Advance(TimeSpan.FromDays(2));

        await Problem.AssertAsync(await SendAsync(share.Token, "late.txt", [1]), HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Upload_WithAPassword_NeedsTheCookieAndTheAntiforgeryToken()
    {
        var (owner, folder, share) = await RequestAsync(new { password = "drop it" });
        using var visitor = _app.Visitor();

        await Problem.AssertAsync(await SendAsync(share.Token, "a.txt", [1], visitor.Client), HttpStatusCode.Forbidden);
        await visitor.EnterPasswordAsync(share.Token, "drop it");
        var page = await visitor.PageAsync($"/s/{share.Token}");
        await Problem.AssertAsync(await SendAsync(share.Token, "a.txt", [1], visitor.Client), HttpStatusCode.Forbidden);

        var request = new HttpRequestMessage(HttpMethod.Put, $"/s/{share.Token}/upload?name=a.txt") { Content = new ByteArrayContent([1]) };
        request.Headers.Add("X-Coffer-Antiforgery", Web.WebSession.MetaToken(page));
        Assert.Equal(HttpStatusCode.Created, (await visitor.Client.SendAsync(request)).StatusCode);
        Assert.Contains("a.txt", (await owner.ChildrenAsync(folder.Id)).Items.Select(i => i.Name));
    }
}
