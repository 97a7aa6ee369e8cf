using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Drive;

/// <summary>A started direct upload: its id, how the file is cut into parts, and where each part goes.</summary>
public sealed record DirectUploadTicket(Guid Id, long PartBytes, IReadOnlyList<Uri> PartUrls, DateTimeOffset Expires);

/// <summary>
/// Transfers that bypass the server (the S3 pattern): the client PUTs parts straight to the
/// bucket through pre-signed URLs and GETs plaintext content from it. Only offered when the store
/// can pre-sign and new files are stored unencrypted, since the server cannot seal bytes it never
/// sees; completion checks the stored size and hashes the content before the file appears.
/// </summary>
public sealed partial class DirectTransfers(
    CofferDb db,
    ItemLookup lookup,
    DriveService drive,
    IBlobStore store,
    IOptions<EncryptionOptions> encryption,
    IOptions<LimitsOptions> limits,
    Quotas.QuotaService quotas,
    TimeProvider clock,
    ILogger<DirectTransfers> logger)
{
    /// <summary>How long part URLs (and the upload) stay valid: enough for many GB on a slow line.</summary>
    public static readonly TimeSpan UploadLifetime = TimeSpan.FromHours(6);

    /// <summary>After expiry, how long an upload's row is kept before the sweeper forgets it (a completion begun just before expiry finishes first).</summary>
    public static readonly TimeSpan ForgetAfterExpiry = TimeSpan.FromHours(1);

    /// <summary>Unfinished direct uploads one user may have at once; each holds parts in the bucket until it ends.</summary>
    public const int MaxOpenUploads = 20;

    /// <summary>S3's largest object.</summary>
    public const long MaxSize = 5L * 1024 * 1024 * 1024 * 1024;

    private const long DefaultPartBytes = 8L * 1024 * 1024;
    private const long PartGranularity = 1024L * 1024;
    private const int MaxParts = 10_000; // S3's limit

    /// <summary>True when this server offers direct uploads (S3-like store, encryption off).</summary>
    public bool UploadsAvailable => store is IDirectTransferStore && !encryption.Value.Enabled;

    /// <summary>Where browsers send direct uploads (scheme, host and port), when they are offered; for the pages' Content-Security-Policy.</summary>
    public string? UploadOrigin => UploadsAvailable ? ((IDirectTransferStore)store).ClientOrigin.GetLeftPart(UriPartial.Authority) : null;

    public async Task<DirectUploadTicket> StartUploadAsync(
        Guid userId, string? folderId, string? rawName, long? size, ConflictMode conflict, CancellationToken cancellationToken)
    {
        // Access first: someone who may not write here learns that (404/403), not how this server stores files.
        var folder = (await lookup.ResolveFolderAsync(userId, folderId, cancellationToken, forWrite: true)).Item;
        var direct = UploadsAvailable ? (IDirectTransferStore)store : throw Unavailable();
        var name = ItemName.Normalize(rawName);
        if (size is not { } bytes || bytes < 0 || bytes > MaxSize)
            throw new InvalidInputException($"size must be the file's length in bytes (0 to {MaxSize}).", field: "size");
        var maxBytes = limits.Value.MaxUploadBytes;
        if (maxBytes > 0 && bytes > maxBytes)
            throw BlobPipeline.TooLarge(maxBytes);
        if (conflict == ConflictMode.Fail && await lookup.NameTakenAsync(folder.Id, name, cancellationToken))
            throw DriveService.NameTaken(name);
        var now = clock.GetUtcNow();
        if (await db.DirectUploads.CountAsync(u => u.OwnerId == userId && u.Expires > now, cancellationToken) >= MaxOpenUploads)
            throw new ConflictException($"You have {MaxOpenUploads} unfinished direct uploads.", "Complete or cancel some of them first.");
        // The upload's row reserves its declared size against the folder owner's quota: checked now, before
        // the store is asked for anything, and again under the write lock as the row is added.
        await quotas.EnsureRoomAsync(folder.OwnerId, bytes, exceptStoreKey: null, cancellationToken, userId);

        var partBytes = Math.Max(Math.Max(DefaultPartBytes, direct.MinPartBytes), RoundUp(DivideRoundingUp(bytes, MaxParts), PartGranularity));
        var partCount = (int)Math.Max(1, DivideRoundingUp(bytes, partBytes));
        var blobId = Guid.CreateVersion7();
        var key = BlobKey.For(folder.OwnerId, blobId); // in a shared folder, stored (and charged) as the owner's
        var upload = new DirectUpload
        {
            Id = Guid.CreateVersion7(),
            OwnerId = userId,
            FolderId = folder.Id,
            Name = name,
            Conflict = conflict,
            BlobId = blobId,
            StoreKey = key,
            StoreUploadId = await direct.StartMultipartUploadAsync(key, cancellationToken),
            Size = bytes,
            PartBytes = partBytes,
            PartCount = partCount,
            Created = now,
            Expires = now + UploadLifetime,
        };
        try
        {
            await using var transaction = await db.BeginWriteAsync(cancellationToken);
            await quotas.EnsureRoomAsync(folder.OwnerId, bytes, exceptStoreKey: null, cancellationToken, userId);
            db.DirectUploads.Add(upload);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            db.ChangeTracker.Clear();
            await AbortQuietlyAsync(direct, upload);
            throw;
        }
        var urls = Enumerable.Range(1, partCount).Select(n => direct.PresignUploadPart(key, upload.StoreUploadId, n, upload.Expires)).ToList();
        return new DirectUploadTicket(upload.Id, partBytes, urls, upload.Expires);
    }

    /// <summary>
    /// Joins the parts, checks the stored object has exactly the declared size, hashes it (the
    /// strong ETag and the integrity record every file has), then commits the file.
    /// </summary>
    public async Task<UploadResult> CompleteUploadAsync(
        Guid userId, string? folderId, string? uploadId, IReadOnlyList<UploadedPart>? parts, CancellationToken cancellationToken)
    {
        var direct = store as IDirectTransferStore ?? throw Unavailable();
        var upload = await FindAsync(userId, folderId, uploadId, forWrite: true, cancellationToken);
        if (!UploadsAvailable)
        {
            // Encryption was turned on since the upload began: its bytes would be the only plaintext written from now on.
            await direct.AbortMultipartUploadAsync(upload.StoreKey, upload.StoreUploadId, cancellationToken);
            await ForgetAsync(upload);
            throw Unavailable();
        }
        CheckParts(upload, parts);
        // A retry after a completion that was interrupted (say, while hashing) finds the object already joined.
        if (await direct.SizeOfAsync(upload.StoreKey, cancellationToken) is null)
        {
            await direct.CompleteMultipartUploadAsync(upload.StoreKey, upload.StoreUploadId,
                parts!.OrderBy(p => p.Number).ToList(), cancellationToken);
        }

        var stored = await direct.SizeOfAsync(upload.StoreKey, cancellationToken);
        if (stored != upload.Size)
        {
            await drive.DeleteBlobsQuietlyAsync([upload.StoreKey]);
            await ForgetAsync(upload);
            throw new InvalidInputException("The uploaded parts do not add up to the declared size.",
                $"{upload.Size} bytes were declared and {stored ?? 0} arrived; start the upload again.", "parts");
        }
        // Interrupted here (the client left, the server stopped), the object and the row stay: the client may
        // complete again, or the sweeper deletes the object once the upload expires, since no file uses it.
        var sha256 = await HashAsync(upload.StoreKey, cancellationToken);
        var blob = new StoredBlob(upload.BlobId, upload.StoreKey, upload.Size, sha256, KeyId: null, WrappedKey: null);
        try
        {
            return await drive.CommitAsync(userId, upload.FolderId, upload.Name, blob, upload.Conflict, cancellationToken);
        }
        finally
        {
            await ForgetAsync(upload); // committed, or refused (a name taken meanwhile) and the object deleted
        }
    }

    public async Task AbortUploadAsync(Guid userId, string? folderId, string? uploadId, CancellationToken cancellationToken)
    {
        var direct = store as IDirectTransferStore ?? throw Unavailable();
        var upload = await FindAsync(userId, folderId, uploadId, forWrite: false, cancellationToken);
        await direct.AbortMultipartUploadAsync(upload.StoreKey, upload.StoreUploadId, cancellationToken);
        await ForgetAsync(upload);
    }

    /// <summary>
    /// Aborts and forgets direct uploads that expired a while ago, deleting any object one left
    /// that no file uses; returns how many. One that fails is left for the next run.
    /// </summary>
    public async Task<int> ForgetExpiredAsync(CancellationToken cancellationToken)
    {
        if (store is not IDirectTransferStore direct)
            return 0;
        var cutoff = clock.GetUtcNow() - ForgetAfterExpiry;
        var expired = await db.DirectUploads.AsNoTracking().Where(u => u.Expires < cutoff).ToListAsync(cancellationToken);
        var forgotten = 0;
        foreach (var upload in expired)
        {
            try
            {
                await direct.AbortMultipartUploadAsync(upload.StoreKey, upload.StoreUploadId, cancellationToken);
                if (!await db.Blobs.AnyAsync(b => b.StoreKey == upload.StoreKey, cancellationToken))
                    await store.DeleteAsync(upload.StoreKey, cancellationToken); // joined at the store, never committed here
                await ForgetAsync(upload);
                forgotten++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogNotForgotten(ex, upload.Id);
            }
        }
        return forgotten;
    }

    /// <summary>
    /// A pre-signed store URL for the version <paramref name="grant"/> names, when its blob is
    /// stored in plaintext in a store that can pre-sign; null otherwise (the server's own signed URL is used).
    /// </summary>
    public async Task<Uri?> DownloadUrlAsync(DownloadGrant grant, CancellationToken cancellationToken)
    {
        if (store is not IDirectTransferStore direct)
            return null;
        var item = await lookup.GetAsync(grant.UserId, grant.ItemId, cancellationToken);
        var file = await db.FileVersions.AsNoTracking()
            .Where(v => v.Id == grant.VersionId && v.ItemId == item.Id)
            .Select(v => new { item.Name, item.ContentType, v.Blob.KeyId, v.Blob.StoreKey })
            .SingleOrDefaultAsync(cancellationToken);
        if (file is null || file.KeyId is not null)
            return null;
        return direct.PresignDownload(file.StoreKey, file.Name, file.ContentType ?? "application/octet-stream", grant.Expires);
    }

    /// <summary>
    /// The caller's unexpired upload into that folder; anything else is "not found", never someone else's.
    /// Completing needs write access to the folder now (a grant revoked meanwhile ends the upload);
    /// aborting only needs the upload to be the caller's.
    /// </summary>
    private async Task<DirectUpload> FindAsync(Guid userId, string? folderId, string? uploadId, bool forWrite, CancellationToken cancellationToken)
    {
        var folder = forWrite
            ? (await lookup.ResolveFolderAsync(userId, folderId, cancellationToken, forWrite: true)).Item.Id
            : ItemLookup.TryParseId(userId, folderId, out var parsed) ? parsed : throw new NotFoundException();
        var now = clock.GetUtcNow();
        return Guid.TryParse(uploadId, out var id)
            && await db.DirectUploads.SingleOrDefaultAsync(u => u.Id == id && u.OwnerId == userId && u.FolderId == folder && u.Expires > now, cancellationToken) is { } upload
            ? upload
            : throw new NotFoundException("No such upload: it was completed, aborted, or has expired.");
    }

    private static void CheckParts(DirectUpload upload, IReadOnlyList<UploadedPart>? parts)
    {
        if (parts is null || parts.Count != upload.PartCount
            || parts.Select(p => p.Number).Order().SequenceEqual(Enumerable.Range(1, upload.PartCount)) is false
            || parts.Any(p => string.IsNullOrWhiteSpace(p.ETag) || p.ETag.Length > 200))
            throw new InvalidInputException($"parts must list each of the {upload.PartCount} part(s) once, numbered from 1, with the ETag the store answered.", field: "parts");
    }

    private async Task<string> HashAsync(string key, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(key, cancellationToken);
        return Convert.ToHexStringLower((await BlobPipeline.CopyHashingAsync(content, null, cancellationToken)).Sha256);
    }

    /// <summary>Gives up a multipart upload whose row was never saved; one left behind is swept with the abandoned ones.</summary>
    private async Task AbortQuietlyAsync(IDirectTransferStore direct, DirectUpload upload)
    {
        try
        {
            await direct.AbortMultipartUploadAsync(upload.StoreKey, upload.StoreUploadId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotAborted(ex, upload.StoreKey);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort the multipart upload of {BlobKey}; the hourly sweep aborts it later")]
    private partial void LogNotAborted(Exception exception, string blobKey);

    /// <summary>Deletes the row if it is still there (a concurrent abort or completion may have gone first).</summary>
    private async Task ForgetAsync(DirectUpload upload) =>
        await db.DirectUploads.Where(u => u.Id == upload.Id).ExecuteDeleteAsync(CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sweep the expired direct upload {UploadId}; the next run tries again")]
    private partial void LogNotForgotten(Exception exception, Guid uploadId);

    private static long DivideRoundingUp(long value, long by) => (value + by - 1) / by;

    private static long RoundUp(long value, long to) => DivideRoundingUp(value, to) * to;

    private static ConflictException Unavailable() => new("Direct uploads are not offered by this server.",
        "Files here are encrypted by the server or kept on its disk: upload with PUT /api/v1/items/{id}/content instead.");
}
