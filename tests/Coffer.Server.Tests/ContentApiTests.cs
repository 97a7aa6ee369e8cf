using System.Net;
using System.Net.Http.Headers;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

/// <summary>Downloads behave like a good static file server: ranges, validators, names, types.</summary>
public sealed class ContentApiTests : IDisposable
{
    private readonly CofferApp _app = new();
    private readonly byte[] _bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();

    public void Dispose() => _app.Dispose();

    private async Task<(TestUser User, ItemDto Item)> FileAsync(string name = "data.bin")
    {
        var user = await _app.NewUserAsync();
        return (user, await user.UploadAsync(name, _bytes));
    }

    private static HttpRequestMessage Get(ItemDto item, Action<HttpRequestHeaders>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{item.Id}/content");
        headers?.Invoke(request.Headers);
        return request;
    }

    [Fact]
    public async Task Download_HasValidatorsAndSafetyHeaders()
    {
        var (user, item) = await FileAsync();

        var response = await user.Client.SendAsync(Get(item));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"{item.Sha256}\"", response.Headers.ETag?.Tag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Equal(item.Modified.ToUnixTimeSeconds(), response.Content.Headers.LastModified?.ToUnixTimeSeconds());
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(1000, response.Content.Headers.ContentLength);
        Assert.Equal(_bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_Range_Is206WithTheSlice()
    {
        var (user, item) = await FileAsync();

        var response = await user.Client.SendAsync(Get(item, h => h.Range = new RangeHeaderValue(100, 199)));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(_bytes[100..200], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_SuffixAndOpenRanges_Work()
    {
        var (user, item) = await FileAsync();

        var suffix = await user.Client.SendAsync(Get(item, h => h.Range = new RangeHeaderValue(null, 10)));
        var open = await user.Client.SendAsync(Get(item, h => h.Range = new RangeHeaderValue(995, null)));

        Assert.Equal(_bytes[990..], await suffix.Content.ReadAsByteArrayAsync());
        Assert.Equal(_bytes[995..], await open.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_RangePastTheEnd_Is416()
    {
        var (user, item) = await FileAsync();

        var response = await user.Client.SendAsync(Get(item, h => h.Range = new RangeHeaderValue(1000, 2000)));

        await Problem.AssertAsync(response, HttpStatusCode.RequestedRangeNotSatisfiable, "Range");
        Assert.Equal("bytes */1000", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Download_IfNoneMatchCurrentETag_Is304()
    {
        var (user, item) = await FileAsync();

        var response = await user.Client.SendAsync(Get(item, h => h.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{item.Sha256}\""))));
        var stale = await user.Client.SendAsync(Get(item, h => h.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\""))));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
    }

    [Fact]
    public async Task Download_IfRangeWithAnOldETag_SendsTheWholeFile()
    {
        var (user, item) = await FileAsync();

        var response = await user.Client.SendAsync(Get(item, h =>
        {
            h.Range = new RangeHeaderValue(0, 9);
            h.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"old\""));
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Theory]
    [InlineData("plain.txt", "text/plain", "plain.txt")]
    [InlineData("Grüße 日本.pdf", "application/pdf", "Gr%C3%BC%C3%9Fe%20%E6%97%A5%E6%9C%AC.pdf")]
    [InlineData("quote\"semi;colon.png", "image/png", "quote%22semi%3Bcolon.png")]
    public async Task Download_HasRfc5987FileNameAndTypeFromExtension(string name, string type, string encoded)
    {
        var (user, item) = await FileAsync(name);

        var response = await user.Client.SendAsync(Get(item));

        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal(name, disposition.FileNameStar);
        Assert.Contains($"filename*=UTF-8''{encoded}", response.Content.Headers.GetValues("Content-Disposition").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_GivesHeadersWithoutBody()
    {
        var (user, item) = await FileAsync();

        var response = await user.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/v1/items/{item.Id}/content"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
