using System.Globalization;
using Coffer.Core.Drive;

namespace Coffer.Server.Web;

/// <summary>How items read on a page: their icon's kind, a human size, a date.</summary>
public static class Display
{
    /// <summary>"0 B", "512 B", "1.5 KB", "12 MB", "1.21 GB" (binary multiples, the way file managers show them).</summary>
    public static string Size(long bytes) => Core.ByteSize.Format(bytes);

    /// <summary>The UTC fallback shown until the page's script renders the reader's local time.</summary>
    public static string Date(DateTimeOffset when) => when.UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string IsoDate(DateTimeOffset when) => when.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>The icon an item gets: folder, image, pdf, video, audio, archive, code, text, document or file.</summary>
    public static string Kind(Item item)
    {
        if (item.Kind == ItemKind.Folder)
            return "folder";
        var type = item.ContentType ?? "";
        var extension = Path.GetExtension(item.Name).ToLowerInvariant();
        return type switch
        {
            _ when type.StartsWith("image/", StringComparison.Ordinal) => "image",
            "application/pdf" => "pdf",
            _ when type.StartsWith("video/", StringComparison.Ordinal) => "video",
            _ when type.StartsWith("audio/", StringComparison.Ordinal) => "audio",
            _ when ArchiveExtensions.Contains(extension) => "archive",
            _ when CodeExtensions.Contains(extension) => "code",
            _ when type.StartsWith("text/", StringComparison.Ordinal) => "text",
            _ when DocumentExtensions.Contains(extension) => "document",
            _ => "file",
        };
    }

    public static string KindLabel(string kind) => kind switch
    {
        "folder" => "Folder",
        "image" => "Image",
        "pdf" => "PDF document",
        "video" => "Video",
        "audio" => "Audio",
        "archive" => "Archive",
        "code" => "Source code",
        "text" => "Text",
        "document" => "Document",
        _ => "File",
    };

    private static readonly HashSet<string> ArchiveExtensions =
        [".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".iso", ".dmg"];

    private static readonly HashSet<string> CodeExtensions =
    [
        ".cs", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".py", ".rb", ".go", ".rs", ".java", ".kt", ".c", ".h", ".cpp", ".hpp",
        ".sh", ".ps1", ".sql", ".json", ".xml", ".yaml", ".yml", ".toml", ".html", ".css", ".php", ".swift", ".csproj",
    ];

    private static readonly HashSet<string> DocumentExtensions =
    [
        ".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".ods", ".csv", ".ppt", ".pptx", ".odp", ".pages", ".numbers", ".key", ".epub",
    ];
}
