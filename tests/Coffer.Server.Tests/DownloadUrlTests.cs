using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

public sealed class DownloadUrlTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<(TestUser User, ItemDto Item, DownloadUrlDto Link)> LinkAsync(object? body = null)
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("report.pdf", "the report");
        var response = await user.Client.PostAsJsonAsync($"/api/v1/items/{item.Id}/download-url", body ?? new { });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (user, item, (await response.Content.ReadFromJsonAsync<DownloadUrlDto>())!);
    }

    [Fact]
    public async Task Url_DownloadsWithoutCredentials_ForFifteenMinutesByDefault()
    {
        var (_, _, link) = await LinkAsync();
        var anonymous = _app.CreateClient();

        var response = await anonymous.GetAsync(link.Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("the report", await response.Content.ReadAsStringAsync());
        Assert.Equal("report.pdf", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal(_app.Clock.GetUtcNow().AddMinutes(15), link.ExpiresAt);
    }

    [Fact]
    public async Task Url_WithoutBody_UsesTheDefault()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("a.txt", "x");

        var response = await user.Client.PostAsync($"/api/v1/items/{item.Id}/download-url", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Url_AfterExpiry_Is403()
    {
        var (_, _, link) = await LinkAsync(new { expiresInSeconds = 60 });
        var anonymous = _app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link.Url)).StatusCode);

        _app.Clock.Advance(TimeSpan.FromSeconds(61));

        await Problem.AssertAsync(await anonymous.GetAsync(link.Url), HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("u")]
    [InlineData("v")]
    [InlineData("e")]
    [InlineData("s")]
    [InlineData("item")]
    [InlineData("S")]
    [InlineData("U")]
    [InlineData("E0")]
    [InlineData("extra")]
    public async Task Url_WithAnyPartAltered_Is403(string part)
    {
        var (user, _, link) = await LinkAsync();
        var other = await user.UploadAsync("other.txt", "other");
        var uri = new Uri(link.Url);
        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        var path = uri.AbsolutePath;
        switch (part)
        {
            case "item":
                path = path[..(path.LastIndexOf('/') + 1)] + Guid.Parse(other.Id).ToString("N");
                break;
            case "e":
                query["e"] = (long.Parse(query["e"]!, System.Globalization.CultureInfo.InvariantCulture) + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "s":
                query["s"] = (query["s"]![0] == 'a' ? "b" : "a") + query["s"]![1..];
                break;
            case "S": // the same values, spelled differently
                query["s"] = query["s"]!.ToUpperInvariant();
                break;
            case "U":
                query["u"] = query["u"]!.ToUpperInvariant();
                break;
            case "E0":
                query["e"] = "0" + query["e"];
                break;
            case "extra":
                query["x"] = "1";
                break;
            default:
                query[part] = Guid.NewGuid().ToString("N");
                break;
        }

        var response = await _app.CreateClient().GetAsync($"{path}?{query}");

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?u=x&v=y&e=z&s=w")]
    [InlineData("?u=&v=&e=-5&s=")]
    public async Task Url_Garbage_Is403(string query)
    {
        var response = await _app.CreateClient().GetAsync($"/api/v1/download/{Guid.NewGuid():N}{query}");

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Url_ForReplacedContent_NoLongerServesTheOldBytes()
    {
        var (user, _, link) = await LinkAsync();
        await user.PutAsync("report.pdf", "new report"u8.ToArray(), conflict: "replace");

        var response = await _app.CreateClient().GetAsync(link.Url);

        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(8 * 24 * 3600)]
    public async Task Url_BadLifetime_Is400(int seconds)
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("a.txt", "x");

        var response = await user.Client.PostAsJsonAsync($"/api/v1/items/{item.Id}/download-url", new { expiresInSeconds = seconds });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "expiresInSeconds");
    }

    [Fact]
    public async Task Url_ForAFolder_Is400()
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("Docs");

        var response = await user.Client.PostAsJsonAsync($"/api/v1/items/{folder.Id}/download-url", new { });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }
}
