namespace Coffer.Core.Previews;

/// <summary>How a file is shown in the app and on share pages.</summary>
public enum PreviewKind
{
    /// <summary>No preview: an icon and the details. Downloads are attachments.</summary>
    None = 0,
    Image,
    Pdf,
    Video,
    Audio,
    Text,
    Markdown,
    Code,
}

/// <summary>
/// The one rule for which content a browser may show in Coffer's origin. Everything not named
/// here (HTML, SVG, XML, scripts, anything unknown) is only ever sent as an attachment, so user
/// content cannot run script as Coffer; what is named is served with a sandbox CSP and nosniff.
/// </summary>
public static class PreviewRules
{
    /// <summary>The media types of images that are shown, and get thumbnails.</summary>
    public static IEnumerable<string> ImageContentTypes => ByContentType.Where(t => t.Value == PreviewKind.Image).Select(t => t.Key);

    private static readonly Dictionary<string, PreviewKind> ByContentType = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpeg"] = PreviewKind.Image,
        ["image/png"] = PreviewKind.Image,
        ["image/gif"] = PreviewKind.Image,
        ["image/webp"] = PreviewKind.Image,
        ["application/pdf"] = PreviewKind.Pdf,
        ["video/mp4"] = PreviewKind.Video,
        ["video/webm"] = PreviewKind.Video,
        ["video/ogg"] = PreviewKind.Video,
        ["audio/mpeg"] = PreviewKind.Audio,
        ["audio/mp4"] = PreviewKind.Audio,
        ["audio/ogg"] = PreviewKind.Audio,
        ["audio/wav"] = PreviewKind.Audio,
        ["audio/x-wav"] = PreviewKind.Audio,
        ["audio/webm"] = PreviewKind.Audio,
        ["audio/flac"] = PreviewKind.Audio,
        ["text/plain"] = PreviewKind.Text,
        ["text/csv"] = PreviewKind.Text,
        ["text/markdown"] = PreviewKind.Markdown,
    };

    /// <summary>Source files: shown as text (never executed), whatever type the extension table gives them.</summary>
    private static readonly HashSet<string> CodeExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".c", ".h", ".cpp", ".hpp", ".cc", ".cs", ".csproj", ".fs", ".go", ".rs", ".java", ".kt", ".scala", ".py", ".rb",
        ".php", ".pl", ".lua", ".r", ".swift", ".m", ".sh", ".bash", ".zsh", ".ps1", ".sql", ".js", ".mjs", ".ts", ".tsx",
        ".jsx", ".css", ".scss", ".less", ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".dockerfile",
        ".gradle", ".makefile", ".cmake", ".diff", ".patch", ".log", ".tex", ".vue", ".svelte", ".dart", ".ex", ".exs",
        ".erl", ".hs", ".clj", ".elm", ".nim", ".zig", ".proto", ".graphql",
    };

    private static readonly HashSet<string> MarkdownExtensions = new(StringComparer.OrdinalIgnoreCase) { ".md", ".markdown" };

    public static PreviewKind Of(string name, string? contentType)
    {
        var extension = Path.GetExtension(name);
        if (MarkdownExtensions.Contains(extension))
            return PreviewKind.Markdown;
        if (CodeExtensions.Contains(extension))
            return PreviewKind.Code;
        return contentType is not null && ByContentType.TryGetValue(contentType, out var kind) ? kind : PreviewKind.None;
    }

    /// <summary>The media type to send when showing a file inline: source and Markdown go out as plain text.</summary>
    public static string InlineContentType(PreviewKind kind, string? contentType) => kind switch
    {
        PreviewKind.Text or PreviewKind.Code or PreviewKind.Markdown => "text/plain; charset=utf-8",
        PreviewKind.None => throw new ArgumentOutOfRangeException(nameof(kind), kind, "This content is never shown inline."),
        _ => contentType!,
    };
}
