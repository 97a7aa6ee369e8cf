using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>One search result: the item and its path from the caller's root.</summary>
public sealed record SearchHit(Item Item, string Path);

/// <summary>One page of search results; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Items, string? NextCursor);

/// <summary>
/// Finds a user's files and folders by a piece of their name: case-insensitive (both sides go
/// through <see cref="ItemName.SearchKey"/>), literal (no wildcard or query syntax reaches the
/// database unescaped), answered from each provider's substring index on
/// <see cref="Item.SearchName"/> and filtered by owner in the same query. Results come folders
/// first, then by folded name, then id, so the order is total and pages resume by keyset.
/// </summary>
public sealed class ItemSearch(CofferDb db)
{
    public const int MaxQueryLength = 255;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>The escape character of the LIKE patterns built by <see cref="EscapeLike"/>.</summary>
    public const string LikeEscape = "\\";

    /// <summary>Makes every character of <paramref name="text"/> match itself in a LIKE pattern escaped by <see cref="LikeEscape"/>.</summary>
    public static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    /// <summary>The folded form of a query as typed: trimmed, 1–255 characters, valid Unicode, no control characters; else a 400 naming "q".</summary>
    public static string SearchKeyOf(string? query)
    {
        var text = query?.Trim();
        if (string.IsNullOrEmpty(text))
            throw new InvalidInputException("Say what to search for.", field: "q");
        if (text.Length > MaxQueryLength)
            throw new InvalidInputException($"A search can be at most {MaxQueryLength} characters.", field: "q");
        // Lone surrogates have no UTF-8 form (PostgreSQL would refuse the parameter); no name holds one anyway.
        if (!ItemName.IsWellFormedUtf16(text))
            throw new InvalidInputException("The search text is not valid Unicode.", field: "q");
        if (ItemName.HasControlCharacter(text))
            throw new InvalidInputException("The search text cannot contain control characters.", "No name holds one, so nothing could match.", field: "q");
        try
        {
            // Normalize rejects noncharacters such as U+FFFE, which no name holds either.
            return ItemName.SearchKey(text.Normalize(NormalizationForm.FormC));
        }
        catch (ArgumentException)
        {
            throw new InvalidInputException("The search text is not valid Unicode.", field: "q");
        }
    }

    public async Task<SearchPage> SearchAsync(Guid userId, string? query, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var key = SearchKeyOf(query);
        var pageSize = limit ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
            throw new InvalidInputException($"The limit must be between 1 and {MaxPageSize}.", field: "limit");
        var after = cursor is null ? (Position?)null : DecodeCursor(cursor);

        var items = await Query(userId, key, after).Take(pageSize + 1).ToListAsync(cancellationToken);
        string? next = null;
        if (items.Count > pageSize)
        {
            items.RemoveAt(pageSize);
            next = EncodeCursor(items[^1]);
        }

        var folders = await FolderPathsAsync(userId, items.Select(i => i.ParentId!.Value), cancellationToken);
        var hits = items.Select(i => new SearchHit(i, DrivePath.Combine(folders[i.ParentId!.Value], i.Name))).ToList();
        return new SearchPage(hits, next);
    }

    /// <summary>
    /// The search itself, before the page limit: public so tests can ask the database how it
    /// plans it (the provider's index, not a scan of every item).
    /// </summary>
    public IQueryable<Item> Query(Guid userId, string searchKey, Position? after = null)
    {
        var query = db.ItemsWhoseNameContains(searchKey).AsNoTracking()
            .Where(i => i.OwnerId == userId && i.ParentId != null); // the root has no name to find
        if (after is var (kind, name, id))
        {
#pragma warning disable CA1309 // string.Compare and CompareTo translate to SQL '<'/'>' under the column's binary collation
            query = query.Where(i => i.Kind > kind
                || (i.Kind == kind && (string.Compare(i.SearchName, name) > 0
                    || (i.SearchName == name && i.Id.CompareTo(id) > 0))));
#pragma warning restore CA1309
        }
        return query.OrderBy(i => i.Kind).ThenBy(i => i.SearchName).ThenBy(i => i.Id);
    }

    /// <summary>
    /// The path of every folder that holds a result, found a level at a time for all of them at
    /// once: one query per level of the deepest result (not per result, not per ancestor), each
    /// fetching only folders not seen yet, so a page costs at most its depth in round trips.
    /// </summary>
    private async Task<Dictionary<Guid, string>> FolderPathsAsync(Guid userId, IEnumerable<Guid> folderIds, CancellationToken cancellationToken)
    {
        var folders = new Dictionary<Guid, (string Name, Guid? ParentId)> { [userId] = ("", null) }; // the root's id is its owner's
        var wanted = folderIds.Where(id => !folders.ContainsKey(id)).Distinct().ToList();
        for (var depth = 0; wanted.Count > 0; depth++)
        {
            if (depth > ItemLookup.MaxDepth)
                throw Damaged();
            var level = await db.Items.AsNoTracking()
                .Where(i => wanted.Contains(i.Id) && i.OwnerId == userId)
                .Select(i => new { i.Id, i.Name, i.ParentId })
                .ToListAsync(cancellationToken);
            if (level.Count != wanted.Count)
                throw Damaged();
            foreach (var folder in level)
                folders[folder.Id] = (folder.Name, folder.ParentId);
            wanted = level.Where(f => f.ParentId is { } p && !folders.ContainsKey(p)).Select(f => f.ParentId!.Value).Distinct().ToList();
        }

        var paths = new Dictionary<Guid, string> { [userId] = "/" };
        foreach (var id in folders.Keys)
            PathOf(id);
        return paths;

        string PathOf(Guid id)
        {
            // Walk up to the nearest folder whose path is known, then fill in the way back down.
            var chain = new List<Guid>();
            var current = id;
            while (!paths.ContainsKey(current))
            {
                if (chain.Count > ItemLookup.MaxDepth || folders[current].ParentId is not { } parent)
                    throw Damaged();
                chain.Add(current);
                current = parent;
            }
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                paths[chain[i]] = DrivePath.Combine(paths[current], folders[chain[i]].Name);
                current = chain[i];
            }
            return paths[id];
        }
    }

    private static InvalidOperationException Damaged() =>
        new("A search result's folders do not lead back to its owner's root: the metadata is damaged.");

    /// <summary>Where a page ended, in the search order: kind, folded name, id.</summary>
    public readonly record struct Position(ItemKind Kind, string SearchName, Guid Id);

    /// <summary>"{kind}:{id}:{folded name}", base64url: the name is last because it may hold ':'.</summary>
    private static string EncodeCursor(Item last) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{(int)last.Kind}:{last.Id:N}:{last.SearchName}")));

    private static Position DecodeCursor(string cursor)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw BadCursor();
        }
        var parts = text.Split(':', 3);
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kind) || !Enum.IsDefined((ItemKind)kind)
            || !Guid.TryParseExact(parts[1], "N", out var id)
            || parts[2].Length == 0
            || ItemName.HasControlCharacter(parts[2])) // no name holds one; PostgreSQL would refuse a NUL
            throw BadCursor();
        return new Position((ItemKind)kind, parts[2], id);
    }

    private static InvalidInputException BadCursor() => new("The cursor is not one this server handed out.", field: "cursor");
}
