using System.Buffers;
using System.Security.Cryptography;
using Coffer.Core.Blobs;
using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Coffer.Core.Previews;

/// <summary>
/// Thumbnails of images: queued (a Pending <see cref="Thumbnail"/> row) in the transaction that
/// commits an upload, made later by a background job, stored as derived blobs through the
/// <see cref="BlobPipeline"/> as the file's owner, so they are sealed like the content they show.
/// </summary>
public sealed partial class Thumbnails(CofferDb db, BlobPipeline pipeline, IBlobStore store, TimeProvider clock, ILogger<Thumbnails> logger)
{
    public const string ContentType = "image/webp";

    /// <summary>Larger sources are not read at all (their thumbnail is Failed): the whole source is held in memory to decode it.</summary>
    public const int MaxSourceBytes = 64 * 1024 * 1024;

    /// <summary>Whether a file of this name and type gets a thumbnail.</summary>
    public static bool Wanted(string name, string? contentType) => PreviewRules.Of(name, contentType) == PreviewKind.Image;

    /// <summary>Queues a thumbnail of a new version when its file is an image; the caller saves it with the version.</summary>
    public static void QueueFor(CofferDb db, Item item, FileVersion version, DateTimeOffset now)
    {
        if (Wanted(item.Name, item.ContentType))
            db.Thumbnails.Add(new Thumbnail { VersionId = version.Id, State = ThumbnailState.Pending, Created = now });
    }

    /// <summary>
    /// The blob of the current thumbnail of a file the caller may read, or null when there is none
    /// (yet, or ever). Its id never names another picture, so it makes a strong ETag.
    /// </summary>
    public async Task<Blob?> FindAsync(Item item, CancellationToken cancellationToken)
    {
        if (item.CurrentVersionId is not { } versionId)
            return null;
        return await db.Thumbnails.AsNoTracking()
            .Where(t => t.VersionId == versionId && t.State == ThumbnailState.Ready)
            .Join(db.Blobs, t => t.BlobId, b => b.Id, (t, b) => b)
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>The thumbnail's WebP bytes (decrypted), or null if the file was replaced or deleted since it was found.</summary>
    public async Task<Stream?> OpenAsync(Blob thumbnail, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.OpenAsync(thumbnail, cancellationToken);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Queues thumbnails for up to <paramref name="max"/> current image versions that have none
    /// (stored before thumbnails existed, or by an instance running older code); returns how many.
    /// </summary>
    public async Task<int> QueueMissingAsync(int max, CancellationToken cancellationToken)
    {
        string[] imageTypes = [.. PreviewRules.ImageContentTypes];
        var missing = await db.Items.AsNoTracking()
            .Where(i => i.Kind == ItemKind.File && i.CurrentVersionId != null && imageTypes.Contains(i.ContentType!)
                && !db.Thumbnails.Any(t => t.VersionId == i.CurrentVersionId))
            .Select(i => new { i.Name, i.ContentType, VersionId = i.CurrentVersionId!.Value })
            .Take(max)
            .ToListAsync(cancellationToken);
        var now = clock.Now();
        var queued = 0;
        foreach (var file in missing.Where(f => Wanted(f.Name, f.ContentType)))
        {
            db.Thumbnails.Add(new Thumbnail { VersionId = file.VersionId, State = ThumbnailState.Pending, Created = now });
            queued++;
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return 0; // a version was replaced or deleted meanwhile: the next pass queues the rest
        }
        return queued;
    }

    /// <summary>
    /// Makes up to <paramref name="max"/> pending thumbnails, oldest first. Content that is refused
    /// (undecodable, oversized, gone from the store, failing its integrity check) is marked Failed
    /// and never retried. Any other failure (the store unreachable, an I/O error) is logged and the
    /// row stays Pending for a later run; within this run it is skipped and the next rows are
    /// taken instead, so rows that keep failing cannot hold up those behind them. At most
    /// <paramref name="max"/> such failures are tried per run, so a store that is down costs a
    /// bounded amount of work each time.
    /// </summary>
    public async Task<(int Made, int Failed)> MakePendingAsync(int max, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var made = 0;
        var failed = 0;
        var tried = new List<Guid>(); // each row at most once a run: one that failed is skipped for the rest of it
        var retryLater = 0;
        while (made + failed < max && retryLater < max)
        {
            var due = await (
                    from t in db.Thumbnails.AsNoTracking()
                    where t.State == ThumbnailState.Pending && !tried.Contains(t.VersionId)
                    orderby t.Created, t.VersionId
                    join v in db.FileVersions on t.VersionId equals v.Id
                    join i in db.Items on v.ItemId equals i.Id
                    select new { t.VersionId, i.OwnerId, v.Blob })
                .Take(max - made - failed)
                .ToListAsync(cancellationToken);
            if (due.Count == 0)
                break;
            foreach (var work in due)
            {
                await renewLease();
                tried.Add(work.VersionId);
                var outcome = await TryMakeAsync(work.VersionId, work.Blob, cancellationToken);
                if (outcome.Refused)
                {
                    failed++;
                    await db.Thumbnails.Where(t => t.VersionId == work.VersionId && t.State == ThumbnailState.Pending)
                        .ExecuteUpdateAsync(set => set.SetProperty(t => t.State, ThumbnailState.Failed), cancellationToken);
                    continue;
                }
                if (outcome.Picture is not { } picture)
                {
                    retryLater++;
                    continue;
                }
                StoredBlob stored;
                try
                {
                    stored = await pipeline.StoreAsync(work.OwnerId, new MemoryStream(picture.WebP, writable: false), 0, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogWillRetry(ex, work.VersionId);
                    retryLater++;
                    continue;
                }
                if (await RecordAsync(work.VersionId, stored, picture, cancellationToken))
                    made++;
                else
                    await DeleteQuietlyAsync(stored.Key); // the file went meanwhile: its thumbnail is an orphan
            }
        }
        return (made, failed);
    }

    /// <summary>What became of one attempt: a picture, refused content (Failed for good), or neither (try again later).</summary>
    private readonly record struct Attempt(ThumbnailPicture? Picture, bool Refused)
    {
        public static Attempt Refuse => new(null, true);
        public static Attempt RetryLater => new(null, false);
    }

    /// <summary>
    /// Reads the source (decrypting) into memory, as a decoder needs it whole, and makes the
    /// picture. Only failures that say something about the content itself refuse it; the rest
    /// (the store or network failing) may pass, so they are left to a later run.
    /// </summary>
    private async Task<Attempt> TryMakeAsync(Guid versionId, Blob source, CancellationToken cancellationToken)
    {
        if (source.Size > MaxSourceBytes || source.Size == 0)
        {
            LogTooLarge(versionId, source.Size);
            return Attempt.Refuse;
        }
        var length = (int)source.Size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            try
            {
                await using var content = await pipeline.OpenAsync(source, cancellationToken);
                await content.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
            }
            catch (Exception ex) when (ex is BlobNotFoundException or CryptographicException)
            {
                // Gone from the store for good, or altered or truncated (failing its integrity check): no retry mends that.
                LogUnreadable(ex, versionId);
                return Attempt.Refuse;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogWillRetry(ex, versionId);
                return Attempt.RetryLater;
            }

            ThumbnailPicture? picture;
            try
            {
                picture = ThumbnailImage.Make(buffer.AsSpan(0, length));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogUnreadable(ex, versionId); // the decoder choked on the content itself
                return Attempt.Refuse;
            }
            if (picture is null)
            {
                LogNotDecoded(versionId);
                return Attempt.Refuse;
            }
            return new Attempt(picture, false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // it held decrypted content
        }
    }

    /// <summary>Records a made thumbnail, unless its version was deleted or replaced meanwhile (then false).</summary>
    private async Task<bool> RecordAsync(Guid versionId, StoredBlob stored, ThumbnailPicture picture, CancellationToken cancellationToken)
    {
        try
        {
            await using var transaction = await db.BeginWriteAsync(cancellationToken);
            var row = await db.Thumbnails.SingleOrDefaultAsync(t => t.VersionId == versionId && t.State == ThumbnailState.Pending, cancellationToken);
            if (row is null)
                return false;
            db.Blobs.Add(new Blob
            {
                Id = stored.Id,
                StoreKey = stored.Key,
                Size = stored.Size,
                KeyId = stored.KeyId,
                WrappedKey = stored.WrappedKey,
                Created = clock.Now(),
            });
            row.BlobId = stored.Id;
            row.State = ThumbnailState.Ready;
            row.Width = picture.Width;
            row.Height = picture.Height;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return false; // the version's row went between the check and the commit
        }
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await store.DeleteAsync(key, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogOrphan(ex, key);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No thumbnail for version {VersionId}: its {Size} bytes are more than a thumbnail is made from")]
    private partial void LogTooLarge(Guid versionId, long size);

    [LoggerMessage(Level = LogLevel.Information, Message = "No thumbnail for version {VersionId}: it is not an image that can be decoded safely")]
    private partial void LogNotDecoded(Guid versionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No thumbnail for version {VersionId}: its content could not be read or decoded")]
    private partial void LogUnreadable(Exception exception, Guid versionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The thumbnail of version {VersionId} could not be made now; it stays queued for a later run")]
    private partial void LogWillRetry(Exception exception, Guid versionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the orphaned thumbnail blob {BlobKey}; it is left for garbage collection")]
    private partial void LogOrphan(Exception exception, string blobKey);
}
