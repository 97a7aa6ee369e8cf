using Coffer.Core.Blobs;
using Coffer.Core.Previews;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>The derived blobs (thumbnails) of versions go when their versions go.</summary>
public sealed partial class DriveService
{
    /// <summary>
    /// Deletes the thumbnail rows of these versions and their blobs' rows (in the caller's
    /// transaction); returns the store keys to delete once it commits.
    /// </summary>
    private async Task<List<string>> DeleteThumbnailsAsync(List<Guid> versionIds, CancellationToken cancellationToken)
    {
        if (versionIds.Count == 0)
            return [];
        var derived = await db.Thumbnails.AsNoTracking()
            .Where(t => versionIds.Contains(t.VersionId) && t.BlobId != null)
            .Join(db.Blobs, t => t.BlobId, b => b.Id, (t, b) => new { b.Id, b.StoreKey })
            .ToListAsync(cancellationToken);
        await db.Thumbnails.Where(t => versionIds.Contains(t.VersionId)).ExecuteDeleteAsync(cancellationToken);
        var blobIds = derived.ConvertAll(d => d.Id);
        if (blobIds.Count > 0)
            await db.Blobs.Where(b => blobIds.Contains(b.Id)).ExecuteDeleteAsync(cancellationToken);
        return derived.ConvertAll(d => d.StoreKey);
    }
}
