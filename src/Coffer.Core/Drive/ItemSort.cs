namespace Coffer.Core.Drive;

/// <summary>
/// The key a folder listing is ordered by. Whatever the key and direction, folders come before
/// files, and the name breaks ties (names are unique within a folder), so the order is total.
/// </summary>
public enum ItemSort
{
    Name = 0,
    Size = 1,
    Modified = 2,
}

/// <summary>How a listing order is spelled in URLs (<c>?sort=size&amp;order=desc</c>): parsed and written here only.</summary>
public static class ItemOrder
{
    public static ItemSort ParseSort(string? sort) => sort?.ToLowerInvariant() switch
    {
        null or "name" => ItemSort.Name,
        "size" => ItemSort.Size,
        "modified" => ItemSort.Modified,
        _ => throw new InvalidInputException("sort must be 'name', 'size' or 'modified'.", field: "sort"),
    };

    public static bool ParseDescending(string? order) => order?.ToLowerInvariant() switch
    {
        null or "asc" => false,
        "desc" => true,
        _ => throw new InvalidInputException("order must be 'asc' or 'desc'.", field: "order"),
    };

    /// <summary>The query string for an order, like <c>sort=size&amp;order=desc</c>.</summary>
    public static string Query(ItemSort sort, bool descending) =>
        $"sort={sort.ToString().ToLowerInvariant()}&order={(descending ? "desc" : "asc")}";
}
