using Coffer.Core.Previews;

namespace Coffer.Core.Tests.Previews;

/// <summary>Markdown renders to markup Coffer wrote: the author's raw HTML is text, unsafe link targets are dropped.</summary>
public sealed class MarkdownPreviewTests
{
    [Fact]
    public void ToHtml_Markdown_IsRendered()
    {
        var html = MarkdownPreview.ToHtml("# Title\n\nSome *text* and a [link](https://example.com/a?b=c).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");

        Assert.Contains("<h1", html, StringComparison.Ordinal);
        Assert.Contains("<em>text</em>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com/a?b=c\"", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("text <span onmouseover=\"alert(1)\">inline</span> html")]
    [InlineData("<iframe src=\"javascript:alert(1)\"></iframe>")]
    [InlineData("<svg onload=alert(1)>")]
    [InlineData("<!-- comment --><style>body{}</style>")]
    public void ToHtml_RawHtml_IsEscapedText(string markdown)
    {
        var html = MarkdownPreview.ToHtml(markdown);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<span", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;", html, StringComparison.Ordinal); // shown, as text
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click](java\tscript:alert(1))")]
    [InlineData("[click](<javascript:alert(1)>)")]
    [InlineData("[click](vbscript:msgbox(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("[click][ref]\n\n[ref]: javascript:alert(1)")]
    [InlineData("![pic](javascript:alert(1))")]
    [InlineData("![pic](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)")]
    public void ToHtml_UnsafeLinkTargets_AreDropped(string markdown)
    {
        var html = MarkdownPreview.ToHtml(markdown);

        // Whatever is left (the text, or a link to "#"), no attribute points anywhere but http(s), mailto or relative.
        foreach (System.Text.RegularExpressions.Match target in System.Text.RegularExpressions.Regex.Matches(html, "(?:href|src)=\"([^\"]*)\""))
            Assert.True(MarkdownPreview.IsSafeUrl(System.Net.WebUtility.HtmlDecode(target.Groups[1].Value)), html);
        Assert.DoesNotContain("=\"javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("=\"data:", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[a](https://example.com)", "https://example.com")]
    [InlineData("[a](http://example.com/x)", "http://example.com/x")]
    [InlineData("[a](mailto:someone@example.com)", "mailto:someone@example.com")]
    [InlineData("[a](other.md)", "other.md")]
    [InlineData("[a](../docs/a:b.md)", "../docs/a:b.md")]
    [InlineData("[a](#section)", "#section")]
    [InlineData("<https://example.com/auto>", "https://example.com/auto")]
    public void ToHtml_SafeLinkTargets_AreKept(string markdown, string href)
    {
        Assert.Contains($"href=\"{href}\"", MarkdownPreview.ToHtml(markdown), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("javascript:alert(1)", false)]
    [InlineData(" javascript:alert(1)", false)]
    [InlineData("java\nscript:alert(1)", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("HTTPS://example.com", true)]
    [InlineData("/absolute/path", true)]
    [InlineData("path?q=a:b", true)]
    [InlineData("", true)]
    public void IsSafeUrl_JudgesTheScheme(string url, bool safe) => Assert.Equal(safe, MarkdownPreview.IsSafeUrl(url));

    [Fact]
    public async Task PreviewPage_BigFile_ShowsTheStartAndSaysSo()
    {
        var text = new string('a', PreviewPage.MaxSourceBytes + 10);
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));

        var page = await PreviewPage.RenderAsync(PreviewKind.Text, "big.txt", content, TestContext.Current.CancellationToken);

        Assert.Contains("shows only the first 2 MiB", page, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('a', PreviewPage.MaxSourceBytes + 1), page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreviewPage_TextAndName_AreEscaped()
    {
        using var content = new MemoryStream("</pre><script>alert(1)</script>"u8.ToArray());

        var page = await PreviewPage.RenderAsync(PreviewKind.Code, "<img src=x onerror=alert(1)>.js", content, TestContext.Current.CancellationToken);

        Assert.DoesNotContain("<script", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        Assert.DoesNotContain("shows only", page, StringComparison.Ordinal);
        Assert.Contains("&lt;/pre&gt;&lt;script&gt;", page, StringComparison.Ordinal);
    }
}
