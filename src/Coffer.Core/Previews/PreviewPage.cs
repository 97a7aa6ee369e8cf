using System.Buffers;
using System.Net;
using System.Text;

namespace Coffer.Core.Previews;

/// <summary>
/// The rendered preview of a text-like file, one small HTML page whatever the door (the app's
/// preview panel, a share page): Markdown rendered (<see cref="MarkdownPreview"/>), plain text
/// and source code escaped inside a &lt;pre&gt;. No script and nothing the file's author wrote
/// as markup; only the start of a big file, and the page says so.
/// </summary>
public static class PreviewPage
{
    /// <summary>How much of a file is rendered.</summary>
    public const int MaxSourceBytes = 2 * 1024 * 1024;

    public const string ContentType = "text/html; charset=utf-8";

    /// <summary>Whether <see cref="RenderAsync"/> renders this kind (the others are shown from their content URL).</summary>
    public static bool Renders(PreviewKind kind) => kind is PreviewKind.Markdown or PreviewKind.Text or PreviewKind.Code;

    /// <summary>The page's whole style: inline, which the preview policy allows (it allows no script at all).</summary>
    private const string Style =
        "body{font:15px/1.6 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#fff;margin:0;padding:20px 28px}" +
        "main.markdown{max-width:860px}" +
        "pre,code{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}" +
        "main.markdown pre,main.markdown code{background:#f3f4f6;border-radius:6px}" +
        "main.markdown code{padding:.1em .35em}main.markdown pre{padding:12px 14px;overflow:auto}main.markdown pre code{padding:0;background:none}" +
        "main.text pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;tab-size:4}" +
        "blockquote{margin:0;padding:0 1em;color:#59636e;border-left:4px solid #d1d9e0}" +
        "table{border-collapse:collapse}th,td{border:1px solid #d1d9e0;padding:4px 10px}img{max-width:100%}" +
        "h1,h2{border-bottom:1px solid #d1d9e0;padding-bottom:.25em}a{color:#0969da}" +
        ".truncated{margin-top:2em;padding:8px 12px;background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;font-family:system-ui,sans-serif}" +
        "@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}main.markdown pre,main.markdown code{background:#161b22}a{color:#4493f8}" +
        ".truncated{background:#272115;border-color:#9e6a03}}";

    /// <summary>
    /// The page for the first <see cref="MaxSourceBytes"/> of <paramref name="content"/> (UTF-8),
    /// titled with the file's <paramref name="name"/>.
    /// </summary>
    public static async Task<string> RenderAsync(PreviewKind kind, string name, Stream content, CancellationToken cancellationToken)
    {
        if (!Renders(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only Markdown, text and source code are rendered.");
        var (source, truncated) = await ReadPrefixAsync(content, MaxSourceBytes, cancellationToken);
        var page = new StringBuilder(source.Length * 2 + 4096);
        page.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"color-scheme\" content=\"light dark\"><title>")
            .Append(WebUtility.HtmlEncode(name))
            .Append("</title><style>").Append(Style).Append("</style></head><body>");
        if (kind == PreviewKind.Markdown)
            page.Append("<main class=\"markdown\">").Append(MarkdownPreview.ToHtml(source)).Append("</main>");
        else
            page.Append("<main class=\"text\"><pre>").Append(WebUtility.HtmlEncode(source)).Append("</pre></main>");
        if (truncated)
            page.Append("<p class=\"truncated\">This preview shows only the first ").Append(MaxSourceBytes / (1024 * 1024))
                .Append(" MiB of the file. Download it to see the rest.</p>");
        return page.Append("</body></html>").ToString();
    }

    /// <summary>Up to <paramref name="maxBytes"/> of UTF-8 text (a character cut at the end becomes U+FFFD) and whether there was more.</summary>
    internal static async Task<(string Text, bool Truncated)> ReadPrefixAsync(Stream content, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, maxBytes + 1), maxBytes + 1, throwOnEndOfStream: false, cancellationToken);
            var length = Math.Min(read, maxBytes);
            var start = length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0; // a BOM is not text
            return (Encoding.UTF8.GetString(buffer, start, length - start), read > maxBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // it held decrypted content
        }
    }
}
