using Coffer.Core.Accounts;
using Coffer.Core.Drive;
using Coffer.Core.Events;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Shares;

/// <summary>A grant with the person on its other side (the grantee when the owner asks, the owner when the grantee does).</summary>
public sealed record GrantEntry(ItemGrant Grant, string Email, string? DisplayName);

/// <summary>A folder shared with the caller: the grant, who owns the folder, and the folder as the caller reaches it.</summary>
public sealed record SharedFolder(GrantEntry Grant, ReachedItem Folder);

/// <summary>
/// Internal shares: an owner lets another account into one of their folders, read-only or
/// read-write. This service only manages the grants; what a grant lets its holder do is decided
/// in one place, <see cref="ItemLookup.ResolveAsync(Guid, Guid, CancellationToken)"/>, so removing
/// a grant ends access with the next request.
/// </summary>
public sealed class GrantService(CofferDb db, ItemLookup lookup, Outbox outbox, TimeProvider clock)
{
    /// <summary>The access names of the API: "read" and "readWrite".</summary>
    public static GrantAccess ParseAccess(string? access) => access switch
    {
        "read" => GrantAccess.Read,
        "readWrite" => GrantAccess.ReadWrite,
        _ => throw new InvalidInputException("access must be 'read' or 'readWrite'.", field: "access"),
    };

    public static string NameOf(GrantAccess access) => access == GrantAccess.ReadWrite ? "readWrite" : "read";

    /// <summary>Shares the caller's folder with the account that has <paramref name="email"/>.</summary>
    public async Task<GrantEntry> GrantAsync(Guid ownerId, string? itemId, string? email, string? access, CancellationToken cancellationToken)
    {
        var level = ParseAccess(access);
        var folder = await OwnFolderAsync(ownerId, itemId, cancellationToken);
        var (_, normalized) = EmailAddress.Parse(email);
        var grantee = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken)
            ?? throw new NotFoundException("No account with that email.");
        if (grantee.Id == ownerId)
            throw new InvalidInputException("You cannot share a folder with yourself.", field: "email");

        await using var transaction = await db.BeginWriteAsync(cancellationToken);
        if (await db.ItemGrants.AnyAsync(g => g.ItemId == folder.Id && g.GranteeId == grantee.Id, cancellationToken))
            throw AlreadyShared();
        var grant = new ItemGrant
        {
            Id = Guid.CreateVersion7(),
            ItemId = folder.Id,
            OwnerId = ownerId,
            GranteeId = grantee.Id,
            Access = level,
            Created = clock.Now(),
        };
        db.ItemGrants.Add(grant);
        outbox.Add(ownerId, "share.created", Event(grant, by: "owner"));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            throw AlreadyShared(); // the unique (item, grantee) index: a concurrent request shared it first
        }
        await transaction.CommitAsync(cancellationToken);
        return new GrantEntry(grant, grantee.Email, grantee.DisplayName);
    }

    /// <summary>Who the caller's folder is shared with, oldest first.</summary>
    public async Task<IReadOnlyList<GrantEntry>> ListForItemAsync(Guid ownerId, string? itemId, CancellationToken cancellationToken)
    {
        var folder = await OwnFolderAsync(ownerId, itemId, cancellationToken);
        var rows = await db.ItemGrants.AsNoTracking()
            .Where(g => g.ItemId == folder.Id && g.OwnerId == ownerId)
            .Join(db.Users, g => g.GranteeId, u => u.Id, (g, u) => new { Grant = g, u.Email, u.DisplayName })
            .OrderBy(x => x.Grant.Created)
            .ToListAsync(cancellationToken);
        return rows.ConvertAll(x => new GrantEntry(x.Grant, x.Email, x.DisplayName));
    }

    /// <summary>The owner changes what the grantee may do; it applies from the next request.</summary>
    public async Task<GrantEntry> ChangeAccessAsync(Guid ownerId, string? grantId, string? access, CancellationToken cancellationToken)
    {
        var level = ParseAccess(access);
        var grant = await FindAsync(ownerId, grantId, cancellationToken);
        if (grant.OwnerId != ownerId)
            throw new ForbiddenException("Only the owner can change who may do what with this folder.");
        grant.Access = level;
        await db.SaveChangesAsync(cancellationToken);
        var grantee = await db.Users.AsNoTracking().SingleAsync(u => u.Id == grant.GranteeId, cancellationToken);
        return new GrantEntry(grant, grantee.Email, grantee.DisplayName);
    }

    /// <summary>The owner revokes, or the grantee leaves: either way the grantee's access ends with this commit.</summary>
    public async Task RemoveAsync(Guid callerId, string? grantId, CancellationToken cancellationToken)
    {
        var grant = await FindAsync(callerId, grantId, cancellationToken);
        db.ItemGrants.Remove(grant);
        outbox.Add(grant.OwnerId, "share.revoked", Event(grant, by: grant.OwnerId == callerId ? "owner" : "grantee"));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The folders others shared with the caller, by name, each with its owner and the caller's access to it.</summary>
    public async Task<IReadOnlyList<SharedFolder>> SharedWithMeAsync(Guid callerId, CancellationToken cancellationToken)
    {
        var rows = await db.ItemGrants.AsNoTracking()
            .Where(g => g.GranteeId == callerId && db.Items.Any(i => i.Id == g.ItemId)) // a folder in the trash is not shared meanwhile
            .Join(db.Users, g => g.OwnerId, u => u.Id, (g, u) => new { Grant = g, u.Email, u.DisplayName })
            .ToListAsync(cancellationToken);
        var shared = new List<SharedFolder>();
        foreach (var row in rows)
        {
            // Through the one check like every other read (a wider grant above this one shows here as wider access).
            var folder = await lookup.ResolveAsync(callerId, row.Grant.ItemId, cancellationToken);
            shared.Add(new SharedFolder(new GrantEntry(row.Grant, row.Email, row.DisplayName), folder with { Grant = row.Grant }));
        }
        return shared.OrderBy(s => s.Folder.Item.Name, StringComparer.Ordinal).ThenBy(s => s.Grant.Email, StringComparer.Ordinal).ToList();
    }

    /// <summary>A grant the caller holds either end of; any other id is "not found".</summary>
    private async Task<ItemGrant> FindAsync(Guid callerId, string? grantId, CancellationToken cancellationToken) =>
        Guid.TryParse(grantId, out var id)
        && await db.ItemGrants.SingleOrDefaultAsync(g => g.Id == id && (g.OwnerId == callerId || g.GranteeId == callerId), cancellationToken) is { } grant
            ? grant
            : throw new NotFoundException("No such share: it was removed, or is not yours.");

    /// <summary>A folder of the caller's own, not their root: what may be shared.</summary>
    private async Task<Item> OwnFolderAsync(Guid ownerId, string? itemId, CancellationToken cancellationToken)
    {
        var reached = await lookup.ResolveAsync(ownerId, itemId, cancellationToken);
        if (!reached.IsOwner)
            throw new ForbiddenException("Only the owner can share this folder or see who it is shared with.");
        var item = reached.Item;
        if (item.Kind != ItemKind.Folder)
            throw new InvalidInputException("Only folders can be shared with people.", "Put the file in a folder and share that.", field: "id");
        if (item.IsRoot)
            throw new InvalidInputException("Your root folder cannot be shared.", "Share a folder inside it instead.", field: "id");
        return item;
    }

    private static ConflictException AlreadyShared() =>
        new("This folder is already shared with that person.", "Change their access instead.", "email");

    /// <summary>The data of share.created / share.revoked for an internal share (a share link's events say "link").</summary>
    private static object Event(ItemGrant grant, string by) => new
    {
        kind = "internal",
        shareId = grant.Id,
        itemId = grant.ItemId,
        granteeId = grant.GranteeId,
        access = NameOf(grant.Access),
        by,
    };
}
