using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.ScaleOut;

/// <summary>
/// Uploads and downloads that go straight between the client and the bucket (Ceph RGW here)
/// through URLs the server signs; offered only where the server does not encrypt.
/// </summary>
public sealed class DirectTransferTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly CofferApp _app = ScaleOutApps.First(("Coffer:Encryption:Enabled", "false"));
    private readonly HttpClient _bucket = new(); // no credentials: only the signature in the URL lets it in

    public void Dispose()
    {
        _bucket.Dispose();
        _app.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upload_PartsStraightToTheBucket_ThenComplete_MakesTheFile()
    {
        var user = await _app.NewUserAsync();
        var content = RandomNumberGenerator.GetBytes(17 * MiB + 5); // three parts of 8 MiB, the last one short

        var (ticket, parts) = await SendPartsAsync(user, "direct.bin", content);
        var response = await CompleteAsync(user, ticket, parts);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<ItemDto>(Ct))!;
        Assert.Equal(content.Length, item.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), item.Sha256);
        Assert.Equal(content, await user.Client.GetByteArrayAsync($"/api/v1/items/{item.Id}/content", Ct));
        Assert.Equal(3, ticket.Parts.Count);
        Assert.Equal(8 * MiB, ticket.PartSize);
    }

    [Fact]
    public async Task DownloadUrl_ForAPlaintextBlob_IsAPresignedBucketUrl_WithRangeAndAttachment()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("report final.txt", "0123456789 straight from the bucket");

        var link = (await (await user.Client.PostAsJsonAsync($"/api/v1/items/{item.Id}/download-url", new { }, Ct)).Content.ReadFromJsonAsync<DownloadUrlDto>(Ct))!;

        Assert.StartsWith(_app.Setting("Coffer:Storage:S3:ServiceUrl")!, link.Url, StringComparison.Ordinal);
        var whole = await _bucket.GetAsync(link.Url, Ct);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("0123456789 straight from the bucket", await whole.Content.ReadAsStringAsync(Ct));
        Assert.Equal("attachment", whole.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("report final.txt", whole.Content.Headers.ContentDisposition?.FileNameStar);

        using var range = new HttpRequestMessage(HttpMethod.Get, link.Url);
        range.Headers.Range = new RangeHeaderValue(2, 5);
        var partial = await _bucket.SendAsync(range, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("2345", await partial.Content.ReadAsStringAsync(Ct));

        var tampered = link.Url.Replace("X-Amz-Expires=", "X-Amz-Expires=9", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await _bucket.GetAsync(tampered, Ct)).StatusCode);
    }

    [Fact]
    public async Task DownloadUrl_OnceExpired_IsRefusedByTheBucket()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("soon.txt", "gone soon");
        var link = (await (await user.Client.PostAsJsonAsync($"/api/v1/items/{item.Id}/download-url", new { expiresInSeconds = 1 }, Ct)).Content.ReadFromJsonAsync<DownloadUrlDto>(Ct))!;

        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct); // the bucket checks against its own clock

        Assert.Equal(HttpStatusCode.Forbidden, (await _bucket.GetAsync(link.Url, Ct)).StatusCode);
    }

    [Fact]
    public async Task Complete_WhenLessArrivedThanDeclared_Is400_AndLeavesNothing()
    {
        var user = await _app.NewUserAsync();
        var content = RandomNumberGenerator.GetBytes(9 * MiB);
        var ticket = await StartAsync(user, "short.bin", content.Length + 1000);
        var parts = new List<object>();
        for (var i = 0; i < ticket.Parts.Count; i++)
        {
            var slice = content.AsSpan(i * (int)ticket.PartSize, Math.Min((int)ticket.PartSize, content.Length - (i * (int)ticket.PartSize))).ToArray();
            parts.Add(new { number = i + 1, etag = await PutPartAsync(ticket.Parts[i].Url, slice) });
        }

        await Problem.AssertAsync(await CompleteAsync(user, ticket, parts), HttpStatusCode.BadRequest, "parts");

        Assert.Empty((await user.ChildrenAsync()).Items);
        Assert.Empty(_app.StoredBlobs());
    }

    [Fact]
    public async Task Complete_WithMissingOrMadeUpParts_Is400()
    {
        var user = await _app.NewUserAsync();
        var ticket = await StartAsync(user, "parts.bin", 20 * MiB);

        await Problem.AssertAsync(await CompleteAsync(user, ticket, [new { number = 1, etag = "\"x\"" }]), HttpStatusCode.BadRequest, "parts");
        await Problem.AssertAsync(await CompleteAsync(user, ticket, [new { number = 1, etag = "\"a\"" }, new { number = 2, etag = "\"b\"" }, new { number = 3, etag = "\"c\"" }]),
            HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Abort_DiscardsTheUploadAndItsParts()
    {
        var user = await _app.NewUserAsync();
        var ticket = await StartAsync(user, "abandoned.bin", 6 * MiB);
        await PutPartAsync(ticket.Parts[0].Url, new byte[6 * MiB]);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/items/root/uploads/{ticket.Id}", Ct)).StatusCode);

        Assert.Empty(_app.StoredBlobs());
        await Problem.AssertAsync(await CompleteAsync(user, ticket, [new { number = 1, etag = "\"x\"" }]), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUploadLeftUnfinished_IsAbortedByTheSweeperOnceItExpires()
    {
        var user = await _app.NewUserAsync();
        var ticket = await StartAsync(user, "forgotten.bin", 6 * MiB);
        await PutPartAsync(ticket.Parts[0].Url, new byte[6 * MiB]); // then the browser was closed
        Assert.Contains(_app.StoredBlobs(), e => e.StartsWith("upload:", StringComparison.Ordinal));

        _app.Clock.Advance(TimeSpan.FromHours(8)); // past the upload's 6 hours and the hour of grace: the hourly sweep comes round

        for (var i = 0; i < 100 && _app.StoredBlobs().Count > 0; i++)
            await Task.Delay(100, Ct);
        Assert.Empty(_app.StoredBlobs());
        await Problem.AssertAsync(await CompleteAsync(user, ticket, [new { number = 1, etag = "\"x\"" }]), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnotherUser_CannotCompleteOrAbortMyUpload()
    {
        var owner = await _app.NewUserAsync();
        var stranger = await _app.NewUserAsync();
        var ticket = await StartAsync(owner, "mine.bin", 1000);

        await Problem.AssertAsync(await CompleteAsync(stranger, ticket, [new { number = 1, etag = "\"x\"" }]), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await stranger.Client.DeleteAsync($"/api/v1/items/root/uploads/{ticket.Id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Start_WhenTheNameIsTaken_Is409_UnlessReplacing()
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync("taken.txt", "old");

        var refused = await user.Client.PostAsJsonAsync("/api/v1/items/root/uploads", new { name = "taken.txt", size = 3 }, Ct);
        await Problem.AssertAsync(refused, HttpStatusCode.Conflict, "name");

        var (ticket, parts) = await SendPartsAsync(user, "taken.txt", "new"u8.ToArray(), conflict: "replace");
        var replaced = await CompleteAsync(user, ticket, parts);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("new", await user.Client.GetStringAsync($"/api/v1/items/{(await replaced.Content.ReadFromJsonAsync<ItemDto>(Ct))!.Id}/content", Ct));
    }

    [Fact]
    public async Task WithEncryptionOn_DirectUploadsAreNotOffered_AndLinksGoThroughTheServer()
    {
        using var sealing = ScaleOutApps.First();
        var user = await sealing.NewUserAsync();

        var start = await user.Client.PostAsJsonAsync("/api/v1/items/root/uploads", new { name = "a.bin", size = 10 }, Ct);
        await Problem.AssertAsync(start, HttpStatusCode.Conflict);

        var item = await user.UploadAsync("sealed.txt", "sealed");
        var link = (await (await user.Client.PostAsJsonAsync($"/api/v1/items/{item.Id}/download-url", new { }, Ct)).Content.ReadFromJsonAsync<DownloadUrlDto>(Ct))!;
        Assert.Contains("/api/v1/download/", link.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FilesPage_OffersDirectUploads_AndLetsScriptsReachTheBucket()
    {
        using var browser = new Web.WebSession(_app);
        await browser.SignedUpAsync("direct@example.com");

        var page = await browser.Client.GetAsync("/files", Ct);

        Assert.Contains("data-direct-uploads=\"true\"", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var origin = new Uri(_app.Setting("Coffer:Storage:S3:ServiceUrl")!).GetLeftPart(UriPartial.Authority);
        Assert.Contains($"connect-src 'self' {origin};", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    private static async Task<DirectUploadDto> StartAsync(TestUser user, string name, long size, string? conflict = null)
    {
        var response = await user.Client.PostAsJsonAsync("/api/v1/items/root/uploads", new { name, size, conflict }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DirectUploadDto>(Ct))!;
    }

    private async Task<(DirectUploadDto Ticket, List<object> Parts)> SendPartsAsync(TestUser user, string name, byte[] content, string? conflict = null)
    {
        var ticket = await StartAsync(user, name, content.Length, conflict);
        var parts = new List<object>();
        for (var i = 0; i < ticket.Parts.Count; i++)
        {
            var offset = i * (int)ticket.PartSize;
            var slice = content.AsSpan(offset, Math.Min((int)ticket.PartSize, content.Length - offset)).ToArray();
            parts.Add(new { number = ticket.Parts[i].Number, etag = await PutPartAsync(ticket.Parts[i].Url, slice) });
        }
        return (ticket, parts);
    }

    private async Task<string> PutPartAsync(string url, byte[] bytes)
    {
        var response = await _bucket.PutAsync(url, new ByteArrayContent(bytes), Ct);
        Assert.True(response.IsSuccessStatusCode, $"PUT part answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return response.Headers.ETag!.Tag;
    }

    private static Task<HttpResponseMessage> CompleteAsync(TestUser user, DirectUploadDto ticket, IEnumerable<object> parts) =>
        user.Client.PostAsJsonAsync($"/api/v1/items/root/uploads/{ticket.Id}/complete", new { parts }, Ct);
}
