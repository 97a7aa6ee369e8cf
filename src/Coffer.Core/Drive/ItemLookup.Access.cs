using Coffer.Core.Shares;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>
/// The one access check: an item is the caller's when they own it, or when it lies at or below a
/// folder its owner granted them (<see cref="ItemGrant"/>). Every door resolves items through
/// <see cref="ResolveAsync(Guid, Guid, CancellationToken)"/>; anything else is 404, exactly as a missing item.
/// </summary>
public sealed partial class ItemLookup
{
    public Task<ReachedItem> ResolveAsync(Guid callerId, string? id, CancellationToken cancellationToken) =>
        TryParseId(callerId, id, out var itemId) ? ResolveAsync(callerId, itemId, cancellationToken) : throw new NotFoundException();

    public async Task<ReachedItem> ResolveAsync(Guid callerId, Guid itemId, CancellationToken cancellationToken)
    {
        // The query itself returns only the caller's items and those of owners who granted them something;
        // the walk below then decides whether this one lies inside a granted folder.
        var item = await db.Items.SingleOrDefaultAsync(
            i => i.Id == itemId
                 && (i.OwnerId == callerId || db.ItemGrants.Any(g => g.GranteeId == callerId && g.OwnerId == i.OwnerId)),
            cancellationToken) ?? throw new NotFoundException();
        if (item.OwnerId == callerId)
            return new ReachedItem(item, ItemAccess.Owner, null);
        return await ThroughGrantAsync(callerId, item, cancellationToken) ?? throw new NotFoundException();
    }

    /// <summary>Like <see cref="ResolveAsync(Guid, string?, CancellationToken)"/>, and the caller must be allowed to change it (403 otherwise).</summary>
    public async Task<ReachedItem> ResolveForWriteAsync(Guid callerId, string? id, CancellationToken cancellationToken)
    {
        var reached = await ResolveAsync(callerId, id, cancellationToken);
        return reached.CanWrite ? reached : throw ReadOnly();
    }

    /// <summary>A folder the caller can see (or, with <paramref name="forWrite"/>, change); a file is 400 naming <paramref name="field"/>.</summary>
    public async Task<ReachedItem> ResolveFolderAsync(
        Guid callerId, string? id, CancellationToken cancellationToken, string field = "folderId", bool forWrite = false)
    {
        var reached = await ResolveAsync(callerId, id, cancellationToken);
        if (reached.Item.Kind != ItemKind.Folder)
            throw new InvalidInputException("That item is a file, not a folder.", field: field);
        return !forWrite || reached.CanWrite ? reached : throw ReadOnly();
    }

    /// <summary>
    /// By path: the caller's own tree first; a path not found there is tried in the folders shared
    /// with them, whose paths start with the shared folder's name (see <see cref="PathOfAsync(ReachedItem, CancellationToken)"/>).
    /// </summary>
    public async Task<ReachedItem> ResolveByPathAsync(Guid callerId, string? path, CancellationToken cancellationToken)
    {
        var names = DrivePath.Parse(path);
        try
        {
            return new ReachedItem(await GetByPathAsync(callerId, path, cancellationToken), ItemAccess.Owner, null);
        }
        catch (NotFoundException) when (names.Count > 0)
        {
            var top = names[0];
            var shared = await db.ItemGrants.AsNoTracking()
                .Where(g => g.GranteeId == callerId)
                .Join(db.Items, g => g.ItemId, i => i.Id, (g, i) => new { g.Created, i.Id, i.Name, i.OwnerId })
                .Where(x => x.Name == top)
                .OrderBy(x => x.Created)
                .ToListAsync(cancellationToken);
            foreach (var root in shared)
            {
                Guid? current = root.Id;
                foreach (var name in names.Skip(1))
                {
                    var parentId = current;
                    current = await db.Items.Where(i => i.ParentId == parentId && i.Name == name && i.OwnerId == root.OwnerId)
                        .Select(i => (Guid?)i.Id).SingleOrDefaultAsync(cancellationToken);
                    if (current is null)
                        break;
                }
                if (current is { } found)
                    return await ResolveAsync(callerId, found, cancellationToken);
            }
            throw;
        }
    }

    /// <summary>
    /// The path the caller sees: from their root for their own items; for a shared item, from the
    /// shared folder, named as its first segment (<c>/Project/notes/a.txt</c>), since nothing above it is theirs to see.
    /// </summary>
    public async Task<string> PathOfAsync(ReachedItem reached, CancellationToken cancellationToken)
    {
        if (reached.Grant is not { } grant)
            return await PathOfAsync(reached.Item, cancellationToken);
        var names = new List<string>();
        var (id, name, parentId) = (reached.Item.Id, reached.Item.Name, reached.Item.ParentId);
        while (true)
        {
            names.Add(name);
            if (id == grant.ItemId)
                break;
            if (parentId is not { } next || names.Count > MaxDepth)
                throw TooDeep(reached.Item.Id);
            var parent = await db.Items.AsNoTracking()
                .Where(i => i.Id == next)
                .Select(i => new { i.Id, i.Name, i.ParentId })
                .SingleAsync(cancellationToken);
            (id, name, parentId) = (parent.Id, parent.Name, parent.ParentId);
        }
        names.Reverse();
        return DrivePath.Join(names);
    }

    /// <summary>The folders above an item that the caller may see, top first: up to their root, or up to the shared folder.</summary>
    public async Task<IReadOnlyList<Item>> AncestorsAsync(ReachedItem reached, CancellationToken cancellationToken)
    {
        if (reached.Grant is not { } grant)
            return await AncestorsAsync(reached.Item, cancellationToken);
        var chain = new List<Item>();
        for (var current = reached.Item; current.Id != grant.ItemId;)
        {
            if (current.ParentId is not { } parentId || chain.Count >= MaxDepth)
                throw TooDeep(reached.Item.Id);
            current = await db.Items.AsNoTracking().SingleAsync(i => i.Id == parentId && i.OwnerId == reached.Item.OwnerId, cancellationToken);
            chain.Add(current);
        }
        chain.Reverse();
        return chain;
    }

    /// <summary>True when <paramref name="itemId"/> is a folder shared with the caller (the top of a grant, not something below one).</summary>
    public Task<bool> IsGrantedToAsync(Guid callerId, Guid itemId, CancellationToken cancellationToken) =>
        db.ItemGrants.AnyAsync(g => g.GranteeId == callerId && g.ItemId == itemId, cancellationToken);

    /// <summary>The grants the caller holds on any of <paramref name="itemIds"/> (for a listing's folders shared with them more widely than their parent).</summary>
    private async Task<IReadOnlyDictionary<Guid, ItemAccess>> GrantedAmongAsync(Guid callerId, List<Guid> itemIds, CancellationToken cancellationToken) =>
        (await db.ItemGrants.AsNoTracking()
            .Where(g => g.GranteeId == callerId && itemIds.Contains(g.ItemId))
            .Select(g => new { g.ItemId, g.Access })
            .ToListAsync(cancellationToken))
        .ToDictionary(g => g.ItemId, g => ReachedItem.AccessOf(g.Access));

    /// <summary>
    /// The grant through which the caller reaches <paramref name="item"/>, or null. With grants on
    /// nested folders, the widest access wins, and between equals the outer one (the larger tree).
    /// </summary>
    private async Task<ReachedItem?> ThroughGrantAsync(Guid callerId, Item item, CancellationToken cancellationToken)
    {
        var grants = await db.ItemGrants.AsNoTracking()
            .Where(g => g.GranteeId == callerId && g.OwnerId == item.OwnerId)
            .ToDictionaryAsync(g => g.ItemId, cancellationToken);
        ItemGrant? best = null;
        var seen = 0;
        Guid? current = item.Id;
        var parentId = item.ParentId;
        for (var depth = 0; current is { } id && seen < grants.Count; depth++)
        {
            if (depth > MaxDepth)
                throw TooDeep(item.Id);
            if (grants.TryGetValue(id, out var grant))
            {
                seen++;
                if (best is null || grant.Access >= best.Access)
                    best = grant;
            }
            current = parentId;
            if (current is { } next)
                parentId = await db.Items.AsNoTracking().Where(i => i.Id == next).Select(i => i.ParentId).SingleAsync(cancellationToken);
        }
        return best is null ? null : new ReachedItem(item, ReachedItem.AccessOf(best.Access), best);
    }

    /// <summary>What a read-only grantee gets for any change.</summary>
    public static ForbiddenException ReadOnly() =>
        new("You can view this folder but not change it.", "Its owner shared it with you read-only.");
}
