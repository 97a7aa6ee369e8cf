using Coffer.Core.Blobs;
using Coffer.Core.Events;
using Coffer.Core.Persistence;
using Coffer.Core.Quotas;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Drive;

/// <summary>What to do when an upload's name is already taken in its folder.</summary>
public enum ConflictMode
{
    /// <summary>Refuse (409).</summary>
    Fail,

    /// <summary>Keep both: store the new file as "name (2).ext".</summary>
    Rename,

    /// <summary>Replace the existing file's content, keeping its id.</summary>
    Replace,
}

public sealed record UploadResult(Item Item, bool Replaced);

/// <summary>An open file: its item and its bytes as a seekable stream the caller disposes.</summary>
public sealed record FileContent(Item Item, Stream Content);

/// <summary>
/// Changes to a user's files and folders. Metadata is the truth: a file appears only when its
/// blob is complete and its metadata committed; deletes remove metadata first, blobs last.
/// Replacing a file keeps its earlier content as versions (DriveService.Versions.cs); deleting
/// moves to the trash unless asked to delete for good (DriveService.Trash.cs).
/// </summary>
public sealed partial class DriveService(
    CofferDb db,
    ItemLookup lookup,
    BlobPipeline pipeline,
    IBlobStore store,
    IContentTypeMap contentTypes,
    IOptions<LimitsOptions> limits,
    QuotaService quotas,
    IOptions<VersionOptions> versionOptions,
    Outbox outbox,
    TimeProvider clock,
    ILogger<DriveService> logger)
{
    /// <summary>How many "name (n)" candidates to try before giving up on keeping both.</summary>
    private const int MaxRenameAttempts = 1000;

    /// <summary>Commits that still lose a race on a name (unique index) are retried this often.</summary>
    private const int MaxCommitAttempts = 3;

    public async Task<Item> CreateFolderAsync(Guid userId, string? parentId, string? rawName, CancellationToken cancellationToken)
    {
        var name = ItemName.Normalize(rawName);
        await using var transaction = await db.BeginWriteAsync(cancellationToken);
        var parent = (await lookup.ResolveFolderAsync(userId, parentId, cancellationToken, forWrite: true)).Item;
        if (await lookup.NameTakenAsync(parent.Id, name, cancellationToken))
            throw NameTaken(name);

        var now = clock.Now();
        var folder = new Item
        {
            Id = Guid.CreateVersion7(),
            OwnerId = parent.OwnerId, // in a shared folder, what a grantee adds is the owner's
            ParentId = parent.Id,
            Name = name,
            Kind = ItemKind.Folder,
            Created = now,
            Modified = now,
        };
        db.Items.Add(folder);
        await SaveOrConflictAsync(parent.Id, name, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return folder;
    }

    /// <summary>
    /// The upload commit protocol: check what can be checked before reading a byte (name,
    /// folder, declared size, a taken name when not replacing), stream the body into a new blob,
    /// then commit the metadata that makes it visible. If anything fails after the blob was
    /// written, the blob is deleted again; a cancelled upload leaves nothing behind.
    /// </summary>
    /// <param name="maxBytes">A limit tighter than the server's for this upload (a file request's), or null.</param>
    /// <param name="beforeCommit">Adds what must commit with the file (an event) to the same save; called with the new item.</param>
    public async Task<UploadResult> UploadAsync(
        Guid userId, string? folderId, string? rawName, Stream content, long? declaredLength, ConflictMode conflict,
        CancellationToken cancellationToken, long? maxBytes = null, Action<Item>? beforeCommit = null)
    {
        var name = ItemName.Normalize(rawName);
        var folder = (await lookup.ResolveFolderAsync(userId, folderId, cancellationToken, forWrite: true)).Item;
        var limit = limits.Value.MaxUploadBytes;
        if (maxBytes is { } tighter && (limit <= 0 || tighter < limit))
            limit = tighter;
        if (limit > 0 && declaredLength > limit)
            throw BlobPipeline.TooLarge(limit);
        if (conflict == ConflictMode.Fail && await lookup.NameTakenAsync(folder.Id, name, cancellationToken))
            throw NameTaken(name);

        // Charged to the folder's owner. The reservation (quota, and the key that garbage collection spares) is taken before the first byte.
        Guid? reservation = null;
        try
        {
            var blob = await pipeline.StoreAsync(folder.OwnerId, content, limit, cancellationToken,
                beforeWrite: async (key, ct) =>
                {
                    var (id, freeSpace) = await quotas.ReserveAsync(folder.OwnerId, declaredLength, key, ct, userId);
                    reservation = id;
                    return freeSpace; // an undeclared size stops at the free space, not at the commit
                });
            return await CommitAsync(userId, folder.Id, name, blob, conflict, cancellationToken, beforeCommit);
        }
        finally
        {
            if (reservation is { } taken)
                await quotas.ReleaseAsync(taken);
        }
    }

    /// <summary>
    /// Makes a complete blob (streamed through the pipeline, or uploaded straight to the store)
    /// the content of <paramref name="name"/> in the folder; if that fails, the blob is deleted.
    /// </summary>
    public async Task<UploadResult> CommitAsync(
        Guid userId, Guid folderId, string name, StoredBlob blob, ConflictMode conflict, CancellationToken cancellationToken,
        Action<Item>? beforeCommit = null)
    {
        try
        {
            return await CommitUploadAsync(userId, folderId, name, blob, conflict, beforeCommit, cancellationToken);
        }
        catch
        {
            await DeleteBlobsQuietlyAsync([blob.Key]);
            throw;
        }
    }

    public async Task<FileContent> OpenAsync(Guid userId, string? id, CancellationToken cancellationToken)
    {
        var item = await lookup.GetAsync(userId, id, cancellationToken);
        if (item.Kind != ItemKind.File)
            throw new InvalidInputException("A folder has no content to download.", field: "id");
        return await OpenVersionAsync(item, item.CurrentVersionId!.Value, cancellationToken);
    }

    /// <summary>
    /// Opens the content a signed URL (or a share) was made for, for the user it acts for; their
    /// access is checked again now. Only while that content is still the file's current one: a
    /// link to a file never hands out an earlier version after a replace.
    /// </summary>
    public async Task<FileContent> OpenVersionAsync(Guid userId, Guid itemId, Guid versionId, CancellationToken cancellationToken)
    {
        var item = await lookup.GetAsync(userId, itemId, cancellationToken);
        if (item.CurrentVersionId != versionId)
            throw VersionGone();
        return await OpenVersionAsync(item, versionId, cancellationToken);
    }

    public async Task<Item> UpdateAsync(Guid userId, string? id, string? newName, string? newParentId, CancellationToken cancellationToken)
    {
        // Under the write lock, so two crossing moves cannot each pass the subtree check and make a cycle.
        await using var transaction = await db.BeginWriteAsync(cancellationToken);
        var reached = await lookup.ResolveForWriteAsync(userId, id, cancellationToken);
        var item = reached.Item;
        if (item.IsRoot)
            throw new InvalidInputException("The root folder cannot be renamed or moved.", field: "id");
        await RefuseSharedFolderItselfAsync(userId, reached, cancellationToken);

        var name = newName is null ? item.Name : ItemName.Normalize(newName);
        var parentId = item.ParentId!.Value;
        if (newParentId is not null)
        {
            var parent = (await lookup.ResolveFolderAsync(userId, newParentId, cancellationToken, field: "parentId", forWrite: true)).Item;
            if (parent.OwnerId != item.OwnerId)
                throw new InvalidInputException("Items cannot be moved between different people's files.",
                    "Download it and upload it there instead.", field: "parentId");
            if (reached.Grant is { } grant && !await lookup.IsWithinAsync(parent, grant.ItemId, cancellationToken))
                throw new InvalidInputException("Items cannot be moved out of the folder shared with you.", field: "parentId");
            if (item.Kind == ItemKind.Folder && await lookup.IsWithinAsync(parent, item.Id, cancellationToken))
                throw new InvalidInputException("A folder cannot be moved into itself or one of its subfolders.", field: "parentId");
            parentId = parent.Id;
        }
        if (name == item.Name && parentId == item.ParentId)
            return item;
        if (await lookup.NameTakenAsync(parentId, name, cancellationToken))
            throw NameTaken(name);

        item.Name = name;
        item.ParentId = parentId;
        if (item.Kind == ItemKind.File)
            item.ContentType = contentTypes.Resolve(name);
        await SaveOrConflictAsync(parentId, name, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return item;
    }

    /// <summary>
    /// Deletes an item, a folder with everything below it: into its owner's trash, or with
    /// <paramref name="permanent"/> for good (versions, thumbnails and blobs too). A grantee who
    /// may change a shared folder may delete inside it; what they delete lands in the owner's trash
    /// (only the owner deletes for good).
    /// </summary>
    /// <param name="onlyIf">Checked under the write lock: when it no longer holds (a lifecycle rule's
    /// file was changed or moved since it was selected), nothing is deleted and the answer is false.</param>
    public async Task<bool> DeleteAsync(
        Guid userId, string? id, CancellationToken cancellationToken, bool permanent = false, Func<Item, bool>? onlyIf = null)
    {
        List<string> blobKeys;
        await using (var transaction = await db.BeginWriteAsync(cancellationToken))
        {
            // Under the write lock, so a grant revoked meanwhile cannot let one more delete through.
            var reached = await lookup.ResolveForWriteAsync(userId, id, cancellationToken);
            var item = reached.Item;
            if (item.IsRoot)
                throw new InvalidInputException("The root folder cannot be deleted.", field: "id");
            await RefuseSharedFolderItselfAsync(userId, reached, cancellationToken);
            if (permanent)
                RequireOwnerToDestroy(reached);
            if (onlyIf is not null && !onlyIf(item))
                return false;
            var subtree = await SubtreeIdsAsync(item, cancellationToken);
            if (!permanent)
            {
                await MoveToTrashAsync(userId, item, subtree, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return true;
            }
            blobKeys = await DeleteSubtreeAsync(subtree, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await DeleteBlobsQuietlyAsync(blobKeys);
        return true;
    }

    /// <summary>
    /// What cannot be undone (a delete that skips the trash, deleting an earlier version) is the
    /// owner's alone: someone a folder is shared with can change it, and the owner can always undo that.
    /// </summary>
    private static void RequireOwnerToDestroy(ReachedItem reached)
    {
        if (!reached.IsOwner)
            throw new ForbiddenException("Only the owner can delete this for good.",
                "What you delete in a folder shared with you goes to its owner's trash, and earlier versions stay with the owner.");
    }

    /// <summary>
    /// Removes these items (a whole subtree, live or trashed) with their versions and thumbnails,
    /// in the caller's transaction; returns the store keys no row references any more, to delete after the commit.
    /// </summary>
    internal async Task<List<string>> DeleteSubtreeAsync(List<Guid> subtree, CancellationToken cancellationToken)
    {
        var versionIds = await db.FileVersions.Where(v => subtree.Contains(v.ItemId)).Select(v => v.Id).ToListAsync(cancellationToken);
        var keys = await RemoveVersionsAsync(versionIds, cancellationToken);
        await db.ItemsWithTrash.Where(i => subtree.Contains(i.Id)).ExecuteDeleteAsync(cancellationToken);
        return keys;
    }

    private async Task<FileContent> OpenVersionAsync(Item item, Guid versionId, CancellationToken cancellationToken)
    {
        var blob = await db.FileVersions.AsNoTracking()
            .Where(v => v.Id == versionId && v.ItemId == item.Id)
            .Select(v => v.Blob)
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw VersionGone();
        try
        {
            return new FileContent(item, await pipeline.OpenAsync(blob, cancellationToken));
        }
        catch (BlobNotFoundException)
        {
            if (await MovedAsync(blob, cancellationToken) is { } moved)
                return new FileContent(item, await pipeline.OpenAsync(moved, cancellationToken)); // sealed into a new object meanwhile
            if (!await db.FileVersions.AnyAsync(v => v.Id == versionId, cancellationToken))
                throw VersionGone(); // replaced or deleted between the look-up and the open
            throw;
        }
    }

    /// <summary>The blob's row again, if its content moved to another store object since it was read.</summary>
    private async Task<Blob?> MovedAsync(Blob blob, CancellationToken cancellationToken)
    {
        var now = await db.Blobs.AsNoTracking().SingleOrDefaultAsync(b => b.Id == blob.Id, cancellationToken);
        return now is not null && now.StoreKey != blob.StoreKey ? now : null;
    }

    private async Task<UploadResult> CommitUploadAsync(
        Guid userId, Guid folderId, string name, StoredBlob stored, ConflictMode conflict, Action<Item>? beforeCommit,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.BeginWriteAsync(cancellationToken);
            // Checked again under the write lock: a grant revoked (or made read-only) during the upload ends it here.
            ReachedItem folder;
            try
            {
                folder = await lookup.ResolveAsync(userId, folderId, cancellationToken);
            }
            catch (NotFoundException)
            {
                throw new NotFoundException("The folder was deleted during the upload, or is no longer shared with you.");
            }
            if (!folder.CanWrite)
                throw ItemLookup.ReadOnly();
            await quotas.ChargeAsync(folder.Item.OwnerId, stored.Size, stored.Key, cancellationToken, userId);
            var now = clock.Now();
            var existing = await db.Items.SingleOrDefaultAsync(i => i.ParentId == folderId && i.Name == name, cancellationToken);
            var targetName = name;
            if (existing is not null && conflict == ConflictMode.Fail)
                throw NameTaken(name);
            if (existing is not null && conflict == ConflictMode.Replace && existing.Kind == ItemKind.Folder)
                throw new ConflictException("A folder with that name exists.", $"'{name}' is a folder; a file cannot replace it.", "name");
            if (existing is not null && conflict == ConflictMode.Rename)
            {
                targetName = await FreeNameAsync(folderId, name, cancellationToken);
                existing = null;
            }

            var blob = new Blob
            {
                Id = stored.Id,
                StoreKey = stored.Key,
                Size = stored.Size,
                KeyId = stored.KeyId,
                WrappedKey = stored.WrappedKey,
                Created = now,
            };
            var version = new FileVersion
            {
                Id = Guid.CreateVersion7(),
                Blob = blob,
                Size = stored.Size,
                Sha256 = stored.Sha256,
                Created = now,
                CreatedBy = userId,
            };
            var item = existing ?? new Item
            {
                Id = Guid.CreateVersion7(),
                OwnerId = folder.Item.OwnerId, // the file is the folder owner's, whoever uploaded it (CreatedBy says who)
                ParentId = folderId,
                Name = targetName,
                Kind = ItemKind.File,
                Created = now,
            };
            version.ItemId = item.Id;
            item.CurrentVersionId = version.Id;
            item.Size = stored.Size;
            item.Sha256 = stored.Sha256;
            item.Replicated = false;
            item.ContentType = contentTypes.Resolve(targetName);
            item.Modified = now;

            if (existing is null)
                db.Items.Add(item); // replacing keeps the earlier content as versions; the retention below prunes them
            db.FileVersions.Add(version);
            Previews.Thumbnails.QueueFor(db, item, version, now);
            beforeCommit?.Invoke(item);

            List<string> prunedKeys = [];
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                if (existing is not null)
                    prunedKeys = await PruneVersionsAsync(item, now, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another writer took the name between our check and our commit: look again.
                db.ChangeTracker.Clear();
                if (attempt < MaxCommitAttempts)
                    continue;
                throw new ConflictException("The name kept being taken by other uploads.", "Try the upload again.", "name");
            }
            await DeleteBlobsQuietlyAsync(prunedKeys);
            return new UploadResult(item, existing is not null);
        }
    }

    /// <summary>A grantee may change what is inside a folder shared with them, never the shared folder itself.</summary>
    private async Task RefuseSharedFolderItselfAsync(Guid userId, ReachedItem reached, CancellationToken cancellationToken)
    {
        if (!reached.IsOwner && (reached.IsGrantRoot || await lookup.IsGrantedToAsync(userId, reached.Item.Id, cancellationToken)))
            throw new ForbiddenException("Only the owner can rename, move or delete a folder they shared.",
                "You can change what is inside it; to stop seeing it, leave the share.");
    }

    private async Task<string> FreeNameAsync(Guid folderId, string name, CancellationToken cancellationToken)
    {
        for (var counter = 2; counter < MaxRenameAttempts; counter++)
        {
            var candidate = ItemName.WithCounter(name, counter);
            if (!await lookup.NameTakenAsync(folderId, candidate, cancellationToken))
                return candidate;
        }
        throw NameTaken(name);
    }

    private async Task<List<Guid>> SubtreeIdsAsync(Item item, CancellationToken cancellationToken)
    {
        var ids = new List<Guid> { item.Id };
        var folders = item.Kind == ItemKind.Folder ? new List<Guid> { item.Id } : [];
        while (folders.Count > 0)
        {
            var level = folders;
            var children = await db.Items.AsNoTracking()
                .Where(i => i.ParentId != null && level.Contains(i.ParentId.Value))
                .Select(i => new { i.Id, i.Kind })
                .ToListAsync(cancellationToken);
            ids.AddRange(children.Select(c => c.Id));
            folders = children.Where(c => c.Kind == ItemKind.Folder).Select(c => c.Id).ToList();
        }
        return ids;
    }

    private async Task SaveOrConflictAsync(Guid folderId, string name, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await lookup.NameTakenAsync(folderId, name, cancellationToken))
                throw NameTaken(name); // lost a race for the name
            if (!await db.Items.AnyAsync(i => i.Id == folderId, cancellationToken))
                throw new NotFoundException("The folder was deleted meanwhile.");
            throw;
        }
    }

    /// <summary>
    /// Deleting blobs whose metadata is gone (or never committed) must not fail the request:
    /// a blob left behind is an orphan for garbage collection, not an error for the user.
    /// </summary>
    internal async Task DeleteBlobsQuietlyAsync(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            try
            {
                await store.DeleteAsync(key, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBlobNotDeleted(ex, key);
            }
        }
    }

    private static NotFoundException VersionGone() => new("That version of the file no longer exists.");

    internal static ConflictException NameTaken(string name) =>
        new("An item with that name already exists.", $"'{name}' already exists in this folder.", "name");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete blob {BlobKey}; it is left for garbage collection")]
    private partial void LogBlobNotDeleted(Exception exception, string blobKey);
}
