using System.Buffers.Text;
using System.Text;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>One page of a folder's children, folders first, then by name.</summary>
public sealed record ItemPage(IReadOnlyList<Item> Items, string FolderPath, string? NextCursor);

/// <summary>
/// Finds a user's items by id or path. The entry points (<c>Get*</c>, <c>ListChildrenAsync</c>)
/// filter by owner, so another user's item is as invisible as a missing one (both are
/// <see cref="NotFoundException"/>); the helpers that take an <see cref="Item"/> or folder id
/// trust that their caller got it from one of those.
/// </summary>
public sealed class ItemLookup(CofferDb db)
{
    /// <summary>The id clients use for the caller's root folder.</summary>
    public const string RootId = "root";

    public const int DefaultPageSize = 200;
    public const int MaxPageSize = 1000;

    /// <summary>The root's id is the owner's id; "root" names it without knowing that.</summary>
    public static bool TryParseId(Guid userId, string? id, out Guid itemId)
    {
        if (id == RootId)
        {
            itemId = userId;
            return true;
        }
        return Guid.TryParse(id, out itemId);
    }

    /// <summary>Paths are walked one level a query; a chain this deep means damaged metadata, not a real tree.</summary>
    public const int MaxDepth = 10_000;

    public Task<Item> GetAsync(Guid userId, string? id, CancellationToken cancellationToken) =>
        TryParseId(userId, id, out var itemId) ? GetAsync(userId, itemId, cancellationToken) : throw new NotFoundException();

    public async Task<Item> GetAsync(Guid userId, Guid itemId, CancellationToken cancellationToken) =>
        await db.Items.SingleOrDefaultAsync(i => i.Id == itemId && i.OwnerId == userId, cancellationToken)
        ?? throw new NotFoundException();

    public async Task<Item> GetFolderAsync(Guid userId, string? id, CancellationToken cancellationToken, string field = "folderId")
    {
        var item = await GetAsync(userId, id, cancellationToken);
        return item.Kind == ItemKind.Folder
            ? item
            : throw new InvalidInputException("That item is a file, not a folder.", field: field);
    }

    public async Task<Item> GetByPathAsync(Guid userId, string? path, CancellationToken cancellationToken)
    {
        var names = DrivePath.Parse(path);
        var current = await GetAsync(userId, RootId, cancellationToken);
        foreach (var name in names)
        {
            var parentId = current.Id;
            current = await db.Items.SingleOrDefaultAsync(i => i.ParentId == parentId && i.Name == name && i.OwnerId == userId, cancellationToken)
                ?? throw new NotFoundException();
        }
        return current;
    }

    /// <summary>The item's path from the root, like "/Photos/a.jpg"; "/" for the root.</summary>
    public async Task<string> PathOfAsync(Item item, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var (name, parentId) = (item.Name, item.ParentId);
        while (parentId is { } id)
        {
            names.Add(name);
            if (names.Count > MaxDepth)
                throw TooDeep(item.Id);
            (name, parentId) = await db.Items.AsNoTracking()
                .Where(i => i.Id == id)
                .Select(i => ValueTuple.Create(i.Name, i.ParentId))
                .SingleAsync(cancellationToken);
        }
        names.Reverse();
        return DrivePath.Join(names);
    }

    /// <summary>True when <paramref name="candidate"/> is <paramref name="ancestor"/> or lies anywhere below it.</summary>
    public async Task<bool> IsWithinAsync(Item candidate, Guid ancestor, CancellationToken cancellationToken)
    {
        Guid? id = candidate.Id;
        for (var depth = 0; id is { } current; depth++)
        {
            if (current == ancestor)
                return true;
            if (depth > MaxDepth)
                throw TooDeep(candidate.Id);
            id = await db.Items.AsNoTracking().Where(i => i.Id == current).Select(i => i.ParentId).SingleAsync(cancellationToken);
        }
        return false;
    }

    public Task<bool> NameTakenAsync(Guid folderId, string name, CancellationToken cancellationToken) =>
        db.Items.AnyAsync(i => i.ParentId == folderId && i.Name == name, cancellationToken);

    public async Task<ItemPage> ListChildrenAsync(Guid userId, string? folderId, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var pageSize = limit ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
            throw new InvalidInputException($"The limit must be between 1 and {MaxPageSize}.", field: "limit");
        var folder = await GetFolderAsync(userId, folderId, cancellationToken);

        var query = db.Items.AsNoTracking().Where(i => i.ParentId == folder.Id && i.OwnerId == userId);
        if (cursor is not null)
        {
            var (kind, name) = DecodeCursor(cursor);
#pragma warning disable CA1309 // translated to SQL '>', which compares with the column's binary (ordinal) collation
            query = query.Where(i => i.Kind > kind || (i.Kind == kind && string.Compare(i.Name, name) > 0));
#pragma warning restore CA1309
        }
        var items = await query.OrderBy(i => i.Kind).ThenBy(i => i.Name).Take(pageSize + 1).ToListAsync(cancellationToken);

        string? next = null;
        if (items.Count > pageSize)
        {
            items.RemoveAt(pageSize);
            next = EncodeCursor(items[^1]);
        }
        return new ItemPage(items, await PathOfAsync(folder, cancellationToken), next);
    }

    private static InvalidOperationException TooDeep(Guid itemId) =>
        new($"Item {itemId} lies more than {MaxDepth} folders deep, or its parents form a loop: the metadata is damaged.");

    private static string EncodeCursor(Item last) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{(int)last.Kind}:{last.Name}"));

    private static (ItemKind Kind, string Name) DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && int.TryParse(text.AsSpan(0, colon), out var kind) && Enum.IsDefined((ItemKind)kind))
                return ((ItemKind)kind, text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            // falls through to the error below
        }
        throw new InvalidInputException("The cursor is not one this server handed out.", field: "cursor");
    }
}
