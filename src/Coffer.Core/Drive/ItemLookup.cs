using System.Buffers.Text;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>One page of a folder's children, folders first, then in the order asked for (by name unless told otherwise).</summary>
public sealed record ItemPage(IReadOnlyList<Item> Items, string FolderPath, string? NextCursor)
{
    /// <summary>The caller's access to the folder, which its children share...</summary>
    public ItemAccess Access { get; init; } = ItemAccess.Owner;

    /// <summary>...unless one of them is itself shared with the caller more widely.</summary>
    public IReadOnlyDictionary<Guid, ItemAccess> Granted { get; init; } = new Dictionary<Guid, ItemAccess>();

    /// <summary>What the caller may do with one of <see cref="Items"/>.</summary>
    public ItemAccess AccessOf(Item child) => Granted.TryGetValue(child.Id, out var access) && access > Access ? access : Access;
}

/// <summary>
/// Finds the items a caller may see by id or path. The entry points (<c>Resolve*</c>, <c>Get*</c>,
/// <c>ListChildrenAsync</c>) go through the one access check (ownership or a grant, see
/// ItemLookup.Access.cs), so another user's item is as invisible as a missing one (both are
/// <see cref="NotFoundException"/>); the helpers that take an <see cref="Item"/> or folder id
/// trust that their caller got it from one of those.
/// </summary>
public sealed partial class ItemLookup(CofferDb db)
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

    /// <summary>An item the caller may see (owned or shared with them); see <see cref="ResolveAsync(Guid, Guid, CancellationToken)"/> for how much they may do.</summary>
    public async Task<Item> GetAsync(Guid userId, Guid itemId, CancellationToken cancellationToken) =>
        (await ResolveAsync(userId, itemId, cancellationToken)).Item;

    public async Task<Item> GetFolderAsync(Guid userId, string? id, CancellationToken cancellationToken, string field = "folderId") =>
        (await ResolveFolderAsync(userId, id, cancellationToken, field)).Item;

    /// <summary>By path in the caller's own tree only (<see cref="ResolveByPathAsync"/> also looks in folders shared with them).</summary>
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

    /// <summary>The folders above an item, root first (for breadcrumbs); empty for the root.</summary>
    public async Task<IReadOnlyList<Item>> AncestorsAsync(Item item, CancellationToken cancellationToken)
    {
        var chain = new List<Item>();
        for (var parentId = item.ParentId; parentId is { } id; parentId = chain[^1].ParentId)
        {
            if (chain.Count >= MaxDepth)
                throw TooDeep(item.Id);
            chain.Add(await db.Items.AsNoTracking().SingleAsync(i => i.Id == id && i.OwnerId == item.OwnerId, cancellationToken));
        }
        chain.Reverse();
        return chain;
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
            // An anonymous type, not a tuple: every provider can read it (PostgreSQL would read a tuple as a record).
            var parent = await db.Items.AsNoTracking()
                .Where(i => i.Id == id)
                .Select(i => new { i.Name, i.ParentId })
                .SingleAsync(cancellationToken);
            (name, parentId) = (parent.Name, parent.ParentId);
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

    /// <summary>
    /// One page of a folder's children: folders first, then files, each kind ordered by
    /// <paramref name="sort"/>'s key and then by name, both in the requested direction. The
    /// cursor is where the previous page ended (kind, key, name) and is only good for the same
    /// sort and direction; the keyset comparison runs in the database, so a page costs the same
    /// however deep into the folder it starts.
    /// </summary>
    public async Task<ItemPage> ListChildrenAsync(
        Guid userId, string? folderId, int? limit, string? cursor, CancellationToken cancellationToken,
        ItemSort sort = ItemSort.Name, bool descending = false)
    {
        if (!Enum.IsDefined(sort))
            throw new ArgumentOutOfRangeException(nameof(sort), sort, "Not an ItemSort.");
        var pageSize = limit ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
            throw new InvalidInputException($"The limit must be between 1 and {MaxPageSize}.", field: "limit");
        var reached = await ResolveFolderAsync(userId, folderId, cancellationToken);
        var folder = reached.Item;

        var query = db.Items.AsNoTracking().Where(i => i.ParentId == folder.Id && i.OwnerId == folder.OwnerId);
        if (cursor is not null)
            query = query.Where(After(DecodeCursor(cursor, sort, descending), sort, descending));
        var items = await Order(query, sort, descending).Take(pageSize + 1).ToListAsync(cancellationToken);

        string? next = null;
        if (items.Count > pageSize)
        {
            items.RemoveAt(pageSize);
            next = EncodeCursor(items[^1], sort, descending);
        }
        return new ItemPage(items, await PathOfAsync(reached, cancellationToken), next)
        {
            Access = reached.Access,
            Granted = reached.IsOwner ? new Dictionary<Guid, ItemAccess>() : await GrantedAmongAsync(userId, items.ConvertAll(i => i.Id), cancellationToken),
        };
    }

    /// <summary>Folders first whatever the direction; then the key; then the name, which is unique in a folder.</summary>
    private static IQueryable<Item> Order(IQueryable<Item> query, ItemSort sort, bool descending)
    {
        var byKind = query.OrderBy(i => i.Kind);
        var byKey = (sort, descending) switch
        {
            (ItemSort.Size, false) => byKind.ThenBy(i => i.Size),
            (ItemSort.Size, true) => byKind.ThenByDescending(i => i.Size),
            (ItemSort.Modified, false) => byKind.ThenBy(i => i.Modified),
            (ItemSort.Modified, true) => byKind.ThenByDescending(i => i.Modified),
            _ => byKind,
        };
        return descending ? byKey.ThenByDescending(i => i.Name) : byKey.ThenBy(i => i.Name);
    }

    /// <summary>
    /// The items that come after <paramref name="last"/> in <see cref="Order"/>'s order, as a
    /// predicate the provider translates to plain comparisons (no provider-specific functions).
    /// </summary>
#pragma warning disable CA1309 // string.Compare translates to SQL '<'/'>', which compare with the column's binary (ordinal) collation
    private static Expression<Func<Item, bool>> After(CursorPosition last, ItemSort sort, bool descending)
    {
        var (kind, key, name) = last;
        var modified = sort == ItemSort.Modified ? new DateTimeOffset(key, TimeSpan.Zero) : default;
        return (sort, descending) switch
        {
            (ItemSort.Name, false) => i => i.Kind > kind || (i.Kind == kind && string.Compare(i.Name, name) > 0),
            (ItemSort.Name, true) => i => i.Kind > kind || (i.Kind == kind && string.Compare(i.Name, name) < 0),
            (ItemSort.Size, false) => i => i.Kind > kind
                || (i.Kind == kind && (i.Size > key || (i.Size == key && string.Compare(i.Name, name) > 0))),
            (ItemSort.Size, true) => i => i.Kind > kind
                || (i.Kind == kind && (i.Size < key || (i.Size == key && string.Compare(i.Name, name) < 0))),
            (ItemSort.Modified, false) => i => i.Kind > kind
                || (i.Kind == kind && (i.Modified > modified || (i.Modified == modified && string.Compare(i.Name, name) > 0))),
            (ItemSort.Modified, true) => i => i.Kind > kind
                || (i.Kind == kind && (i.Modified < modified || (i.Modified == modified && string.Compare(i.Name, name) < 0))),
            _ => throw new ArgumentOutOfRangeException(nameof(sort), sort, "Not an ItemSort."),
        };
    }
#pragma warning restore CA1309

    private static InvalidOperationException TooDeep(Guid itemId) =>
        new($"Item {itemId} lies more than {MaxDepth} folders deep, or its parents form a loop: the metadata is damaged.");

    /// <summary>Where a page ended: the item's kind, its sort key (0, bytes, or UTC ticks) and its name.</summary>
    private readonly record struct CursorPosition(ItemKind Kind, long Key, string Name);

    /// <summary>"name.asc", "size.desc"...: a cursor names the order it was made for.</summary>
    private static string OrderTag(ItemSort sort, bool descending) => sort switch
    {
        ItemSort.Name => "name",
        ItemSort.Size => "size",
        _ => "modified",
    } + (descending ? ".desc" : ".asc");

    /// <summary>
    /// "{order}:{kind}:{key}:{name}", base64url. The modified key is the instant's UTC ticks (every
    /// digit the provider gave back), so the comparison resumes exactly where the page ended.
    /// </summary>
    private static string EncodeCursor(Item last, ItemSort sort, bool descending)
    {
        var key = sort switch
        {
            ItemSort.Size => last.Size.ToString(CultureInfo.InvariantCulture),
            ItemSort.Modified => last.Modified.UtcTicks.ToString(CultureInfo.InvariantCulture),
            _ => "",
        };
        var text = string.Create(CultureInfo.InvariantCulture, $"{OrderTag(sort, descending)}:{(int)last.Kind}:{key}:{last.Name}");
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    private static CursorPosition DecodeCursor(string cursor, ItemSort sort, bool descending)
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
        // The name is last and may itself hold ':'; the other three parts cannot.
        var parts = text.Split(':', 4);
        if (parts.Length != 4 || parts[3].Length == 0 || ItemName.HasControlCharacter(parts[3])) // no name holds one; PostgreSQL would refuse a NUL
            throw BadCursor();
        if (parts[0] != OrderTag(sort, descending))
            throw new InvalidInputException(
                "The cursor was made for a different order.", "Keep sort and order the same while paging, or start again without a cursor.",
                field: "cursor");
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kind) || !Enum.IsDefined((ItemKind)kind))
            throw BadCursor();
        long key = 0;
        var keyValid = sort == ItemSort.Name
            ? parts[2].Length == 0
            : long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out key)
              && (sort != ItemSort.Modified || key <= DateTimeOffset.MaxValue.UtcTicks);
        return keyValid ? new CursorPosition((ItemKind)kind, key, parts[3]) : throw BadCursor();
    }

    private static InvalidInputException BadCursor() =>
        new("The cursor is not one this server handed out.", field: "cursor");
}
