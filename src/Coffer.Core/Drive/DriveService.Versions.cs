using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>One earlier (or the current) content of a file as a listing shows it, with who wrote it.</summary>
public sealed record VersionEntry(FileVersion Version, bool Current, string? CreatorEmail, string? CreatorDisplayName);

/// <summary>
/// A file's versions: replacing its content keeps the earlier ones; they can be listed, read,
/// restored (as a new current version sharing the old blob: no copy) and deleted. Retention
/// keeps the newest N and those younger than D days (<see cref="VersionOptions"/>, or the owner's
/// own settings); the current content is never pruned.
/// </summary>
public sealed partial class DriveService
{
    /// <summary>Versions removed per transaction by the age pruning, so one run never holds the write lock long.</summary>
    private const int PruneBatchSize = 500;

    /// <summary>The file's versions, newest first; reading the file is enough to see them.</summary>
    public async Task<(Item Item, IReadOnlyList<VersionEntry> Versions)> ListVersionsAsync(
        Guid userId, string? id, CancellationToken cancellationToken)
    {
        var item = RequireFile((await lookup.ResolveAsync(userId, id, cancellationToken)).Item);
        var versions = await db.FileVersions.AsNoTracking()
            .Where(v => v.ItemId == item.Id)
            .OrderByDescending(v => v.Created).ThenByDescending(v => v.Id)
            .ToListAsync(cancellationToken);
        var creatorIds = versions.Select(v => v.CreatedBy).Distinct().ToList();
        var creators = await db.Users.AsNoTracking()
            .Where(u => creatorIds.Contains(u.Id))
            .Select(u => new { u.Id, u.Email, u.DisplayName })
            .ToDictionaryAsync(u => u.Id, cancellationToken);
        return (item, versions.ConvertAll(v =>
        {
            var creator = creators.GetValueOrDefault(v.CreatedBy);
            return new VersionEntry(v, v.Id == item.CurrentVersionId, creator?.Email, creator?.DisplayName);
        }));
    }

    /// <summary>
    /// One version's bytes, described as that version (its hash for the ETag, its date for
    /// Last-Modified, the file's current name), so caches never mix it up with the current content.
    /// </summary>
    public async Task<FileContent> OpenVersionContentAsync(Guid userId, string? id, string? versionId, CancellationToken cancellationToken)
    {
        var item = RequireFile((await lookup.ResolveAsync(userId, id, cancellationToken)).Item);
        var versionGuid = ParseVersionId(versionId);
        var version = await db.FileVersions.AsNoTracking()
            .SingleOrDefaultAsync(v => v.Id == versionGuid && v.ItemId == item.Id, cancellationToken) ?? throw VersionGone();
        var shown = new Item
        {
            Id = item.Id,
            OwnerId = item.OwnerId,
            ParentId = item.ParentId,
            Name = item.Name,
            Kind = ItemKind.File,
            ContentType = item.ContentType,
            CurrentVersionId = item.CurrentVersionId,
            Size = version.Size,
            Sha256 = version.Sha256,
            Created = item.Created,
            Modified = version.Created,
        };
        var content = await OpenVersionAsync(item, version.Id, cancellationToken);
        return content with { Item = shown };
    }

    /// <summary>Makes an earlier version the current content again, as a new version that shares its blob.</summary>
    public async Task<Item> RestoreVersionAsync(Guid userId, string? id, string? versionId, CancellationToken cancellationToken)
    {
        List<string> prunedKeys;
        Item item;
        await using (var transaction = await db.BeginWriteAsync(cancellationToken))
        {
            item = RequireFile((await lookup.ResolveForWriteAsync(userId, id, cancellationToken)).Item);
            var versionGuid = ParseVersionId(versionId);
            var old = await db.FileVersions.AsNoTracking().Include(v => v.Blob)
                .SingleOrDefaultAsync(v => v.Id == versionGuid && v.ItemId == item.Id, cancellationToken) ?? throw VersionGone();
            if (old.Id == item.CurrentVersionId)
                return item;

            var now = clock.Now();
            var version = new FileVersion
            {
                Id = Guid.CreateVersion7(),
                ItemId = item.Id,
                BlobId = old.BlobId,
                Size = old.Size,
                Sha256 = old.Sha256,
                Created = now,
                CreatedBy = userId,
            };
            db.FileVersions.Add(version);
            item.CurrentVersionId = version.Id;
            item.Size = old.Size;
            item.Sha256 = old.Sha256;
            item.Modified = now;
            item.Replicated = old.Blob.ReplicatedAt is not null;
            Previews.Thumbnails.QueueFor(db, item, version, now);
            await db.SaveChangesAsync(cancellationToken);
            prunedKeys = await PruneVersionsAsync(item, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await DeleteBlobsQuietlyAsync(prunedKeys);
        return item;
    }

    /// <summary>Deletes an earlier version for good; the current one cannot be (409: delete the file instead).</summary>
    public async Task DeleteVersionAsync(Guid userId, string? id, string? versionId, CancellationToken cancellationToken)
    {
        List<string> keys;
        await using (var transaction = await db.BeginWriteAsync(cancellationToken))
        {
            var reached = await lookup.ResolveForWriteAsync(userId, id, cancellationToken);
            RequireOwnerToDestroy(reached);
            var item = RequireFile(reached.Item);
            var versionGuid = ParseVersionId(versionId);
            if (!await db.FileVersions.AnyAsync(v => v.Id == versionGuid && v.ItemId == item.Id, cancellationToken))
                throw VersionGone();
            if (versionGuid == item.CurrentVersionId)
                throw new ConflictException("The current version cannot be deleted.",
                    "It is the file's content: delete the file instead (it goes to the trash), or restore another version first.", "versionId");
            keys = await RemoveVersionsAsync([versionGuid], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await DeleteBlobsQuietlyAsync(keys);
    }

    /// <summary>
    /// Prunes, for every owner, the earlier versions their retention no longer keeps (<see cref="IsKept"/>):
    /// those that aged out, and those a lowered limit leaves; returns how many went. The background retention job calls it.
    /// </summary>
    public async Task<int> PruneByRetentionAsync(Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var defaults = versionOptions.Value;
        var overrides = await db.Users.AsNoTracking()
            .Where(u => u.VersionKeepDays != null || u.VersionKeepLast != null)
            .Select(u => new { u.Id, u.VersionKeepLast, u.VersionKeepDays })
            .ToListAsync(cancellationToken);
        var now = clock.Now();
        // The configured default for everyone without an override, then each override.
        var overridden = overrides.ConvertAll(o => o.Id);
        var pruned = await PruneBeyondAsync(defaults.KeepLast, defaults.KeepDays, now, null, overridden, renewLease, cancellationToken);
        foreach (var owner in overrides)
        {
            pruned += await PruneBeyondAsync(owner.VersionKeepLast ?? defaults.KeepLast, owner.VersionKeepDays ?? defaults.KeepDays,
                now, owner.Id, [], renewLease, cancellationToken);
        }
        return pruned;
    }

    /// <summary>
    /// Prunes the earlier versions that neither limit keeps (<see cref="IsKept"/>): beyond each file's
    /// newest <paramref name="keepLast"/> and older than <paramref name="keepDays"/>, a batch per transaction.
    /// </summary>
    private async Task<int> PruneBeyondAsync(int keepLast, int keepDays, DateTimeOffset now, Guid? ownerId, List<Guid> exceptOwners,
        Func<Task> renewLease, CancellationToken cancellationToken)
    {
        if (keepLast <= 0 && keepDays <= 0)
            return 0;
        var cutoff = keepDays > 0 ? now.AddDays(-keepDays) : DateTimeOffset.MaxValue;
        var pruned = 0;
        while (true)
        {
            List<string> keys;
            int count;
            await using (var transaction = await db.BeginWriteAsync(cancellationToken))
            {
                var owned = ownerId is { } owner
                    ? db.ItemsWithTrash.Where(i => i.OwnerId == owner)
                    : db.ItemsWithTrash.Where(i => !exceptOwners.Contains(i.OwnerId));
                var batch = await db.FileVersions
                    .Where(v => v.Created < cutoff && owned.Any(i => i.Id == v.ItemId && i.CurrentVersionId != v.Id))
                    .Where(v => keepLast <= 0 || db.FileVersions.Count(newer => newer.ItemId == v.ItemId
                        && (newer.Created > v.Created || (newer.Created == v.Created && newer.Id.CompareTo(v.Id) > 0))) >= keepLast)
                    .OrderBy(v => v.Created)
                    .Select(v => v.Id)
                    .Take(PruneBatchSize)
                    .ToListAsync(cancellationToken);
                count = batch.Count;
                keys = await RemoveVersionsAsync(batch, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            await DeleteBlobsQuietlyAsync(keys);
            pruned += count;
            if (count < PruneBatchSize)
                return pruned;
            await renewLease();
        }
    }

    /// <summary>
    /// The retention rule, in one place: an earlier version is kept while it is among its file's
    /// newest <paramref name="keepLast"/> OR younger than <paramref name="keepDays"/> (a limit of 0
    /// does not apply; with both 0 every version is kept). So "the last 25" always leaves a file
    /// that changes rarely some history, and "30 days" keeps every change of the last month.
    /// </summary>
    private static bool IsKept(int index, DateTimeOffset created, int keepLast, int keepDays, DateTimeOffset now) =>
        (keepLast <= 0 && keepDays <= 0)
        || (keepLast > 0 && index < keepLast)
        || (keepDays > 0 && created >= now.AddDays(-keepDays));

    /// <summary>
    /// Applies the owner's retention to one file right after it got a new current version (in the
    /// caller's transaction, after its save); returns the store keys to delete once that commits.
    /// </summary>
    private async Task<List<string>> PruneVersionsAsync(Item item, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (keepLast, keepDays) = await RetentionOfAsync(item.OwnerId, cancellationToken);
        if (keepLast <= 0 && keepDays <= 0)
            return [];
        var versions = await db.FileVersions.AsNoTracking()
            .Where(v => v.ItemId == item.Id)
            .OrderByDescending(v => v.Created).ThenByDescending(v => v.Id)
            .Select(v => new { v.Id, v.Created })
            .ToListAsync(cancellationToken);
        var doomed = versions
            .Where((v, index) => v.Id != item.CurrentVersionId && !IsKept(index, v.Created, keepLast, keepDays, now))
            .Select(v => v.Id)
            .ToList();
        return await RemoveVersionsAsync(doomed, cancellationToken);
    }

    /// <summary>The owner's own limits where set, else the configured ones (0 = no limit).</summary>
    private async Task<(int KeepLast, int KeepDays)> RetentionOfAsync(Guid ownerId, CancellationToken cancellationToken)
    {
        var own = await db.Users.AsNoTracking()
            .Where(u => u.Id == ownerId)
            .Select(u => new { u.VersionKeepLast, u.VersionKeepDays })
            .SingleOrDefaultAsync(cancellationToken);
        var defaults = versionOptions.Value;
        return (own?.VersionKeepLast ?? defaults.KeepLast, own?.VersionKeepDays ?? defaults.KeepDays);
    }

    /// <summary>
    /// Deletes these versions and their thumbnails (in the caller's transaction), and the rows of
    /// the blobs nothing references any more: a restored version shares its blob with the one it
    /// came from, so a blob goes only with its last version. Returns the store keys to delete after the commit.
    /// </summary>
    internal async Task<List<string>> RemoveVersionsAsync(List<Guid> versionIds, CancellationToken cancellationToken)
    {
        if (versionIds.Count == 0)
            return [];
        var blobIds = await db.FileVersions.Where(v => versionIds.Contains(v.Id)).Select(v => v.BlobId).Distinct().ToListAsync(cancellationToken);
        var keys = await DeleteThumbnailsAsync(versionIds, cancellationToken);
        await db.FileVersions.Where(v => versionIds.Contains(v.Id)).ExecuteDeleteAsync(cancellationToken);
        var unreferenced = await db.Blobs
            .Where(b => blobIds.Contains(b.Id) && !db.FileVersions.Any(v => v.BlobId == b.Id) && !db.Thumbnails.Any(t => t.BlobId == b.Id))
            .Select(b => new { b.Id, b.StoreKey })
            .ToListAsync(cancellationToken);
        if (unreferenced.Count > 0)
        {
            var gone = unreferenced.ConvertAll(b => b.Id);
            await db.Blobs.Where(b => gone.Contains(b.Id)).ExecuteDeleteAsync(cancellationToken);
            keys.AddRange(unreferenced.ConvertAll(b => b.StoreKey));
        }
        return keys;
    }

    private static Item RequireFile(Item item) =>
        item.Kind == ItemKind.File ? item : throw new InvalidInputException("A folder has no versions; only files do.", field: "id");

    /// <summary>A malformed version id names no version: 404, like one that is gone.</summary>
    private static Guid ParseVersionId(string? versionId) => Guid.TryParse(versionId, out var id) ? id : throw VersionGone();
}
