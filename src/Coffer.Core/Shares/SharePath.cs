using Coffer.Core.Drive;

namespace Coffer.Core.Shares;

/// <summary>
/// A path inside a shared folder, like <c>/sub/a.txt</c>, as a visitor sends it. Stricter than
/// <see cref="DrivePath"/>: it must start with '/', and an empty, "." or ".." segment or a
/// backslash is refused rather than skipped. Paths are then resolved name by name from the
/// shared folder, so nothing outside it can be named whatever the text holds.
/// </summary>
public static class SharePath
{
    /// <summary>The names below the shared folder; none for null, "" or "/".</summary>
    public static IReadOnlyList<string> Parse(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "/")
            return [];
        if (path[0] != '/')
            throw Invalid();
        var names = new List<string>();
        foreach (var segment in path[1..].Split('/'))
        {
            if (segment.Length == 0)
                throw Invalid();
            names.Add(ItemName.Normalize(segment, "path"));
        }
        return names;
    }

    private static InvalidInputException Invalid() =>
        new("The path is not valid.", "Give a path like /folder/file.txt, inside the shared folder.", "path");
}
