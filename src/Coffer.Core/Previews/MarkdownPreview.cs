using System.Text;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Coffer.Core.Previews;

/// <summary>
/// Markdown to HTML for previews (see <see cref="PreviewPage"/>). Raw HTML in the source is shown
/// as text (never passed through), and link and image targets are kept only for http, https,
/// mailto and relative URLs, so the output holds no markup the author wrote; the sandbox policy
/// the page is served with is a second wall, not the first.
/// </summary>
public static class MarkdownPreview
{
    /// <summary>
    /// CommonMark plus tables, strikethrough, task lists and bare-URL links. Not the "advanced"
    /// set: generic attributes (<c>{onclick=...}</c>) would let the author write attributes.
    /// </summary>
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    /// <summary>Markdown source to an HTML fragment, with raw HTML escaped and unsafe URLs removed.</summary>
    public static string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case LinkInline link when !IsSafeUrl(link.Url):
                    link.Url = link.IsImage ? "" : "#";
                    break;
                case AutolinkInline autolink when !autolink.IsEmail && !IsSafeUrl(autolink.Url):
                    autolink.Url = "#";
                    break;
            }
        }
        return document.ToHtml(Pipeline);
    }

    /// <summary>
    /// Whether a link target is http(s), mailto, or has no scheme (relative, a fragment). What a
    /// browser ignores inside a URL (ASCII whitespace and controls) is ignored here too, so
    /// "java&#9;script:" is judged as the browser would read it.
    /// </summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
            return true;
        var cleaned = new StringBuilder(url.Length);
        foreach (var c in url)
        {
            if (c > ' ')
                cleaned.Append(c);
        }
        var text = cleaned.ToString();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return true;
        var firstDelimiter = text.IndexOfAny(['/', '?', '#']);
        if (firstDelimiter >= 0 && firstDelimiter < colon)
            return true; // the colon is in a path, query or fragment: relative
        var scheme = text[..colon];
        return SafeSchemes.Any(s => s.Equals(scheme, StringComparison.OrdinalIgnoreCase));
    }
}
