using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

/// <summary>The preview endpoints: rendered pages for text-like files, inline content with Range for media.</summary>
public sealed class PreviewApiTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("readme.md", "# Hello\n\n*world*", "<em>world</em>")]
    [InlineData("notes.txt", "a < b & c", "<pre>a &lt; b &amp; c</pre>")]
    [InlineData("Program.cs", "if (a < b) { }", "<pre>if (a &lt; b) { }</pre>")]
    public async Task Preview_TextLikeFile_IsAPageFramableByCofferOnly(string name, string text, string expected)
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync(name, text);

        var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/preview", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("sandbox", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'unsafe-inline'", csp, StringComparison.Ordinal);
        Assert.Equal("SAMEORIGIN", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Preview_BigMarkdown_RendersTheStartAndSaysSo()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("big.md", new string('x', 3 * 1024 * 1024));

        var html = await user.Client.GetStringAsync($"/api/v1/items/{item.Id}/preview", Ct);

        Assert.Contains("shows only the first 2 MiB", html, StringComparison.Ordinal);
        Assert.True(html.Length < 2 * 1024 * 1024 + 10_000);
    }

    [Theory]
    [InlineData("photo.jpg")]
    [InlineData("clip.mp4")]
    [InlineData("archive.zip")]
    public async Task Preview_OtherKinds_Is404(string name)
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync(name, "bytes");

        var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/preview", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Preview_AnotherUsersFile_Is404()
    {
        var owner = await _app.NewUserAsync();
        var item = await owner.UploadAsync("secret.md", "# secret");
        var other = await _app.NewUserAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await other.Client.GetAsync($"/api/v1/items/{item.Id}/preview", Ct)).StatusCode);
    }

    [Fact]
    public async Task InlineMedia_SupportsRange()
    {
        var user = await _app.NewUserAsync();
        var bytes = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var item = await user.UploadAsync("clip.mp4", bytes);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{item.Id}/content?inline=true");
        request.Headers.Range = new RangeHeaderValue(1000, 1999);

        var response = await user.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(bytes[1000..2000], await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task InlineText_IsUtf8PlainText()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("héllo.txt", "héllo wörld");

        var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/content?inline=true", Ct);

        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("héllo wörld", Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(Ct)));
    }
}
