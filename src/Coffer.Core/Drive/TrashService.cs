using Coffer.Core.Events;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Drive;

/// <summary>One entry of a user's trash: the item that was deleted, the bytes it holds, who deleted it and when it will be purged.</summary>
public sealed record TrashEntry(Item Item, long Size, DateTimeOffset? PurgeAt, Guid? DeletedById, string? DeletedByEmail, string? DeletedByDisplayName);

/// <summary>
/// A user's trash: what <see cref="DriveService.DeleteAsync"/> moved there. An entry is the item
/// that was deleted (<see cref="Item.TrashRootId"/> is its own id); everything that went with it
/// carries its id too, so restoring or purging an entry is one update or delete of that set.
/// Only the owner sees their trash, whoever deleted the item.
/// </summary>
public sealed class TrashService(
    CofferDb db,
    ItemLookup lookup,
    DriveService drive,
    Outbox outbox,
    IOptions<TrashOptions> options,
    TimeProvider clock)
{
    /// <summary>Entries purged per transaction, so emptying a large trash never holds the write lock long.</summary>
    private const int PurgeBatchSize = 50;

    /// <summary>How many "(restored n)" names to try before giving up.</summary>
    private const int MaxRestoreNames = 1000;

    /// <summary>The caller's trash, most recently deleted first.</summary>
    public async Task<IReadOnlyList<TrashEntry>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var entries = await EntriesOf(userId).AsNoTracking()
            .OrderByDescending(i => i.DeletedAt).ThenByDescending(i => i.Id)
            .ToListAsync(cancellationToken);
        var sizes = await db.ItemsWithTrash
            .Where(i => i.OwnerId == userId && i.DeletedAt != null && i.TrashRootId != null && i.Kind == ItemKind.File)
            .GroupBy(i => i.TrashRootId!.Value)
            .Select(g => new { Id = g.Key, Size = g.Sum(i => i.Size) })
            .ToDictionaryAsync(g => g.Id, g => g.Size, cancellationToken);
        var deleters = entries.Where(e => e.DeletedBy is not null).Select(e => e.DeletedBy!.Value).Distinct().ToList();
        var people = await db.Users.AsNoTracking()
            .Where(u => deleters.Contains(u.Id))
            .Select(u => new { u.Id, u.Email, u.DisplayName })
            .ToDictionaryAsync(u => u.Id, cancellationToken);
        return entries.ConvertAll(e =>
        {
            var by = e.DeletedBy is { } who ? people.GetValueOrDefault(who) : null;
            return new TrashEntry(e, sizes.GetValueOrDefault(e.Id), PurgeAt(e), e.DeletedBy, by?.Email, by?.DisplayName);
        });
    }

    /// <summary>When an entry deleted at <paramref name="deletedAt"/> will be purged; null when the trash is kept until emptied.</summary>
    public DateTimeOffset? PurgeAt(DateTimeOffset deletedAt) =>
        options.Value.RetentionDays > 0 ? deletedAt.AddDays(options.Value.RetentionDays) : null;

    private DateTimeOffset? PurgeAt(Item entry) => entry.DeletedAt is { } at ? PurgeAt(at) : null;

    /// <summary>
    /// Puts an entry back with everything that went with it: into the folder it came from if that
    /// is still live (wherever it is now), else at its old path, recreating the folders that are
    /// missing (live folders of the same name are reused). A name taken meanwhile gets "(restored)".
    /// </summary>
    public async Task<Item> RestoreAsync(Guid userId, string? id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginWriteAsync(cancellationToken);
        var entry = await FindEntryAsync(userId, id, cancellationToken);
        var (parentId, parentPath) = await PlaceForAsync(entry, cancellationToken);
        var name = await FreeRestoredNameAsync(parentId, entry.Name, cancellationToken);

        // Restored counts as modified now: an age-based lifecycle rule that trashed it starts over
        // instead of trashing it again at its next run.
        var now = clock.Now();
        await db.ItemsWithTrash.Where(i => i.TrashRootId == entry.Id && i.Id != entry.Id).ExecuteUpdateAsync(set => set
            .SetProperty(i => i.DeletedAt, (DateTimeOffset?)null)
            .SetProperty(i => i.TrashRootId, (Guid?)null)
            .SetProperty(i => i.Modified, now), cancellationToken);
        entry.Modified = now;
        entry.Name = name;
        entry.ParentId = parentId;
        entry.DeletedAt = null;
        entry.TrashRootId = null;
        entry.DeletedBy = null;
        entry.OriginalParentId = null;
        entry.OriginalPath = null;
        outbox.Add(userId, "file.restored", DriveService.TrashEventData(entry, DrivePath.Combine(parentPath, name)));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return entry;
    }

    /// <summary>Deletes an entry for good: the items, their versions, thumbnails and the blobs nothing else references.</summary>
    public async Task DeleteForeverAsync(Guid userId, string? id, CancellationToken cancellationToken)
    {
        List<string> keys;
        await using (var transaction = await db.BeginWriteAsync(cancellationToken))
        {
            var entry = await FindEntryAsync(userId, id, cancellationToken);
            keys = await PurgeInTransactionAsync(entry.Id, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await drive.DeleteBlobsQuietlyAsync(keys);
    }

    /// <summary>Deletes every entry of the caller's trash for good; returns how many there were.</summary>
    public Task<int> EmptyAsync(Guid userId, CancellationToken cancellationToken) =>
        PurgeWhereAsync(EntriesOf(userId), () => Task.CompletedTask, cancellationToken);

    /// <summary>Purges every entry older than the retention (all users); the retention job calls it. Returns how many went.</summary>
    public Task<int> PurgeExpiredAsync(Func<Task> renewLease, CancellationToken cancellationToken)
    {
        if (options.Value.RetentionDays <= 0)
            return Task.FromResult(0);
        var cutoff = clock.Now().AddDays(-options.Value.RetentionDays);
        var expired = db.ItemsWithTrash.Where(i => i.DeletedAt != null && i.TrashRootId == i.Id && i.DeletedAt <= cutoff);
        return PurgeWhereAsync(expired, renewLease, cancellationToken);
    }

    private async Task<int> PurgeWhereAsync(IQueryable<Item> entries, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var purged = 0;
        while (true)
        {
            List<string> keys = [];
            int count;
            await using (var transaction = await db.BeginWriteAsync(cancellationToken))
            {
                var batch = await entries.OrderBy(i => i.DeletedAt).Select(i => i.Id).Take(PurgeBatchSize).ToListAsync(cancellationToken);
                count = batch.Count;
                foreach (var entryId in batch)
                    keys.AddRange(await PurgeInTransactionAsync(entryId, cancellationToken));
                await transaction.CommitAsync(cancellationToken);
            }
            await drive.DeleteBlobsQuietlyAsync(keys);
            purged += count;
            if (count < PurgeBatchSize)
                return purged;
            await renewLease();
        }
    }

    private async Task<List<string>> PurgeInTransactionAsync(Guid entryId, CancellationToken cancellationToken)
    {
        var subtree = await db.ItemsWithTrash.Where(i => i.TrashRootId == entryId).Select(i => i.Id).ToListAsync(cancellationToken);
        return await drive.DeleteSubtreeAsync(subtree, cancellationToken);
    }

    private IQueryable<Item> EntriesOf(Guid userId) =>
        db.ItemsWithTrash.Where(i => i.OwnerId == userId && i.DeletedAt != null && i.TrashRootId == i.Id);

    /// <summary>One of the caller's trash entries (something below an entry is not one: 404, as is anyone else's).</summary>
    private async Task<Item> FindEntryAsync(Guid userId, string? id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var itemId))
            throw new NotFoundException("There is no such item in your trash.");
        return await EntriesOf(userId).SingleOrDefaultAsync(i => i.Id == itemId, cancellationToken)
            ?? throw new NotFoundException("There is no such item in your trash.");
    }

    /// <summary>The live folder an entry goes back into, and its path; missing folders of its old path are created.</summary>
    private async Task<(Guid FolderId, string Path)> PlaceForAsync(Item entry, CancellationToken cancellationToken)
    {
        if (entry.OriginalParentId is { } originalId
            && await db.Items.AsNoTracking().SingleOrDefaultAsync(
                i => i.Id == originalId && i.OwnerId == entry.OwnerId && i.Kind == ItemKind.Folder, cancellationToken) is { } original)
        {
            return (original.Id, await lookup.PathOfAsync(original, cancellationToken));
        }

        var current = entry.OwnerId; // the root's id is its owner's
        var names = new List<string>();
        foreach (var name in DrivePath.Parse(entry.OriginalPath ?? "/"))
        {
            var parentId = current;
            var existing = await db.Items.AsNoTracking()
                .SingleOrDefaultAsync(i => i.ParentId == parentId && i.Name == name, cancellationToken);
            if (existing is { Kind: ItemKind.Folder })
            {
                current = existing.Id;
                names.Add(existing.Name);
                continue;
            }
            // Missing (or a file took its name meanwhile): make the folder again.
            var folderName = existing is null ? name : await FreeRestoredNameAsync(parentId, name, cancellationToken);
            var now = clock.Now();
            var folder = new Item
            {
                Id = Guid.CreateVersion7(),
                OwnerId = entry.OwnerId,
                ParentId = parentId,
                Name = folderName,
                Kind = ItemKind.Folder,
                Created = now,
                Modified = now,
            };
            db.Items.Add(folder);
            await db.SaveChangesAsync(cancellationToken);
            current = folder.Id;
            names.Add(folderName);
        }
        return (current, DrivePath.Join(names));
    }

    private async Task<string> FreeRestoredNameAsync(Guid folderId, string name, CancellationToken cancellationToken)
    {
        var candidate = name;
        for (var attempt = 1; attempt <= MaxRestoreNames; attempt++)
        {
            if (!await lookup.NameTakenAsync(folderId, candidate, cancellationToken))
                return candidate;
            candidate = ItemName.Restored(name, attempt);
        }
        throw DriveService.NameTaken(name);
    }
}
