using System.Net;
using System.Net.Http.Json;
using System.Text;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

/// <summary>
/// Stored XSS: whatever a user uploads, nothing they wrote runs as script in Coffer's origin.
/// Active types only ever leave as attachments; what is shown inline goes out under a sandbox
/// CSP with nosniff; Markdown is rendered without the author's HTML. (The browser half of this
/// suite, which proves nothing executes, is Coffer.E2E's XssTests.)
/// </summary>
public sealed class XssTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public const string SvgWithScript =
        "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert('svg onload')\"><script>alert('svg script')</script><circle r=\"10\"/></svg>";

    public const string HtmlWithScript = "<!DOCTYPE html><html><body><script>alert('html')</script><img src=x onerror=\"alert('img')\"></body></html>";

    /// <summary>A file that is a valid GIF header and valid JavaScript at once.</summary>
    public static readonly byte[] PolyglotGif = [.. "GIF89a/*"u8, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, .. "*/=1;alert('polyglot');"u8];

    public const string MarkdownWithHtml =
        "# Notes\n\n<script>alert('md script')</script>\n\n<img src=x onerror=\"alert('md img')\">\n\n" +
        "[click me](javascript:alert('md link'))\n\n[ref link][r]\n\n[r]: javascript:alert('md ref')\n\n<a href=\"javascript:alert(1)\">raw link</a>\n";

    /// <summary>Everything here must leave as a download, never shown.</summary>
    public static TheoryData<string, string> Attachments => new()
    {
        { "evil.svg", SvgWithScript },
        { "evil.html", HtmlWithScript },
        { "evil.htm", HtmlWithScript },
        { "evil.xhtml", HtmlWithScript },
        { "evil.xml", "<?xml version=\"1.0\"?><x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert(1)</x:script>" },
        { "evil.mhtml", HtmlWithScript },
        { "evil.swf", "FWS" },
        { "evil", HtmlWithScript },
        { "evil.exe", "MZ" },
    };

    [Theory]
    [MemberData(nameof(Attachments))]
    public async Task ActiveContent_AskedInline_IsStillAnAttachment(string name, string content)
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync(name, content);

        foreach (var url in new[] { $"/api/v1/items/{item.Id}/content?inline=true", $"/api/v1/items/{item.Id}/content" })
        {
            var response = await user.Client.GetAsync(url, Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
            AssertLockedDown(response);
            Assert.Contains("frame-ancestors 'none'", Csp(response), StringComparison.Ordinal);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/v1/items/{item.Id}/preview", Ct)).StatusCode);
    }

    /// <summary>Shown inline, but as what the rules say (text for scripts), sandboxed, never sniffed.</summary>
    public static TheoryData<string, byte[], string> Inline => new()
    {
        { "polyglot.gif", PolyglotGif, "image/gif" },
        { "not-a-photo.jpg", Encoding.UTF8.GetBytes(HtmlWithScript), "image/jpeg" },
        { "script.js", Encoding.UTF8.GetBytes("alert('js');"), "text/plain" },
        { "page.html.txt", Encoding.UTF8.GetBytes(HtmlWithScript), "text/plain" },
        { "notes.md", Encoding.UTF8.GetBytes(MarkdownWithHtml), "text/plain" },
        { "doc.pdf", Encoding.UTF8.GetBytes("%PDF-1.4 <script>alert(1)</script>"), "application/pdf" },
    };

    [Theory]
    [MemberData(nameof(Inline))]
    public async Task PreviewableContent_IsShownSandboxedAndNeverSniffed(string name, byte[] content, string mediaType)
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync(name, content);

        var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/content?inline=true", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        AssertLockedDown(response);
        Assert.Contains("frame-ancestors 'self'", Csp(response), StringComparison.Ordinal);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Markdown_Preview_HasNoAuthorHtmlAndIsSandboxed()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("notes.md", MarkdownWithHtml);

        var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/preview", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        AssertLockedDown(response);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<h1", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal); // shown as text
    }

    [Fact]
    public async Task HostileName_IsEscapedInThePreviewPageAndTheDisposition()
    {
        const string name = "<img src=x onerror=alert(1)>.md";
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync(name, "hello");

        var page = await user.Client.GetStringAsync($"/api/v1/items/{item.Id}/preview", Ct);
        var content = await user.Client.GetAsync($"/api/v1/items/{item.Id}/content?inline=true", Ct);

        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;.md", page, StringComparison.Ordinal);
        Assert.Equal(name, content.Content.Headers.ContentDisposition?.FileNameStar);
    }

    [Theory]
    [InlineData("photo.jpg")]
    [InlineData("evil.svg")]
    [InlineData("notes.md")]
    public async Task SignedDownloadUrl_IsAlwaysAnAttachment(string name)
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync(name, HtmlWithScript);
        var link = await (await user.Client.PostAsJsonAsync($"/api/v1/items/{item.Id}/download-url", new { }, Ct))
            .Content.ReadFromJsonAsync<DownloadUrlDto>(Ct);

        var response = await _app.CreateClient().GetAsync(link!.Url + "&inline=true", Ct);
        if (response.StatusCode == HttpStatusCode.Forbidden)
            response = await _app.CreateClient().GetAsync(link.Url, Ct); // an altered URL is refused: the real one, then

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        AssertLockedDown(response);
    }

    private static string Csp(HttpResponseMessage response) => response.Headers.GetValues("Content-Security-Policy").Single();

    /// <summary>nosniff, and a policy that runs no script and loads nothing from elsewhere.</summary>
    private static void AssertLockedDown(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var csp = Csp(response).Split(';', StringSplitOptions.TrimEntries);
        Assert.Contains("sandbox", csp); // no allow-scripts, no allow-same-origin
        Assert.Contains("default-src 'none'", csp);
        Assert.DoesNotContain(csp, d => d.StartsWith("script-src", StringComparison.Ordinal));
    }
}
