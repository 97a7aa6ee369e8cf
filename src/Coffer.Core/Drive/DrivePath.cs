namespace Coffer.Core.Drive;

/// <summary>Slash-separated paths from a user's root, like <c>/Photos/2024/a.jpg</c>.</summary>
public static class DrivePath
{
    /// <summary>
    /// Splits a path into validated, normalised names. "/" and "" are the root (no names);
    /// empty segments from doubled or trailing slashes are ignored.
    /// </summary>
    public static IReadOnlyList<string> Parse(string? path)
    {
        if (path is null)
            throw new InvalidInputException("A path is required.", field: "path");
        var names = new List<string>();
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            names.Add(ItemName.Normalize(segment, "path"));
        return names;
    }

    public static string Combine(string parentPath, string name) =>
        parentPath == "/" ? "/" + name : parentPath + "/" + name;

    public static string Join(IEnumerable<string> names) => "/" + string.Join('/', names);
}
