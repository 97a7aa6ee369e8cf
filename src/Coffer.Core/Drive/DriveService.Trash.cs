using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>Deleting moves to the trash (<see cref="TrashService"/> lists, restores and purges it).</summary>
public sealed partial class DriveService
{
    /// <summary>
    /// Marks the item and everything below it as trashed (the query filter hides them from every
    /// door at once) and hangs the item itself off its owner's root, remembering where it was.
    /// In the caller's transaction; the event commits with it.
    /// </summary>
    private async Task MoveToTrashAsync(Guid userId, Item item, List<Guid> subtree, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var parentId = item.ParentId!.Value;
        var parent = await db.Items.AsNoTracking().SingleAsync(i => i.Id == parentId, cancellationToken);
        var originalPath = await lookup.PathOfAsync(parent, cancellationToken);
        var below = subtree.Where(id => id != item.Id).ToList();
        if (below.Count > 0)
        {
            await db.Items.Where(i => below.Contains(i.Id)).ExecuteUpdateAsync(set => set
                .SetProperty(i => i.DeletedAt, now)
                .SetProperty(i => i.TrashRootId, item.Id), cancellationToken);
        }
        item.DeletedAt = now;
        item.TrashRootId = item.Id;
        item.DeletedBy = userId;
        item.OriginalParentId = parentId;
        item.OriginalPath = originalPath;
        item.ParentId = item.OwnerId; // the owner's root: purging another entry never reaches this one
        outbox.Add(item.OwnerId, "file.deleted", TrashEventData(item, DrivePath.Combine(originalPath, item.Name)));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>What file.deleted and file.restored say (folders too: <c>kind</c> tells them apart).</summary>
    internal static object TrashEventData(Item item, string path) => new
    {
        itemId = item.Id,
        name = item.Name,
        path,
        kind = item.Kind == ItemKind.Folder ? "folder" : "file",
    };
}
