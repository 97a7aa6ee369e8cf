using Amazon.S3;
using Amazon.S3.Model;
using Coffer.Core.Blobs;

namespace Coffer.Storage.S3;

/// <summary>
/// Storage classes: a blob moves by copying its object onto itself with the new class (the bytes
/// stay in the bucket and are never downloaded). Only classes an object can be read from at once
/// are offered; GLACIER and DEEP_ARCHIVE need a restore before every read, which Coffer's reads
/// (and Range requests) cannot wait for.
/// </summary>
public sealed partial class S3BlobStore : IStorageClassStore
{
    /// <summary>The largest object one CopyObject may copy (5 GiB); bigger ones are copied in parts.</summary>
    internal const long MaxSingleCopyBytes = 5L * 1024 * 1024 * 1024;

    private static readonly string[] ReadableClasses = ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"];

    /// <summary>Above this an object is copied in parts (a test lowers it to try the multipart copy on small objects).</summary>
    internal long SingleCopyLimit { get; set; } = MaxSingleCopyBytes;

    /// <summary>The size of each copied part (at least 5 MiB; grown so no object needs more than 10,000 parts).</summary>
    internal long CopyPartBytes { get; set; } = 512L * 1024 * 1024;

    public string DefaultStorageClass => "STANDARD";

    public IReadOnlyList<string> StorageClasses => ReadableClasses;

    public bool IsSupported(string storageClass) => ReadableClasses.Contains(storageClass, StringComparer.Ordinal);

    public async Task MoveAsync(string key, string storageClass, CancellationToken cancellationToken)
    {
        if (!IsSupported(storageClass))
            throw new ArgumentException($"The storage class '{storageClass}' is not one Coffer can read without a restore.", nameof(storageClass));
        var objectKey = ObjectKey(key);
        var head = await HeadAsync(objectKey, cancellationToken) ?? throw new BlobNotFoundException(key);
        if (ClassOf(head) == storageClass)
            return; // S3 refuses to copy an object onto itself without a change
        if (head.ContentLength == 0)
            await RewriteEmptyAsync(objectKey, storageClass, cancellationToken); // no byte range to copy in parts
        else if (head.ContentLength > SingleCopyLimit)
            await CopyInPartsAsync(objectKey, head, storageClass, cancellationToken);
        else
        {
            try
            {
                await CopyOnceAsync(key, objectKey, head, storageClass, cancellationToken);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotImplemented)
            {
                // Ceph before 17 cannot CopyObject an encrypted object, but copies its ranges (UploadPartCopy) fine.
                await CopyInPartsAsync(objectKey, head, storageClass, cancellationToken);
            }
        }
    }

    private async Task RewriteEmptyAsync(string objectKey, string storageClass, CancellationToken cancellationToken)
    {
        var response = await _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            InputStream = new MemoryStream([], writable: false),
            ContentType = "application/octet-stream",
            StorageClass = S3StorageClass.FindValue(storageClass),
            ServerSideEncryptionMethod = _sse,
            ServerSideEncryptionKeyManagementServiceKeyId = _kmsKeyId,
        }, cancellationToken);
        if (!EncryptionApplied(response.ServerSideEncryptionMethod))
            throw EncryptionNotApplied();
    }

    public async Task<string> StorageClassOfAsync(string key, CancellationToken cancellationToken) =>
        ClassOf(await HeadAsync(ObjectKey(key), cancellationToken) ?? throw new BlobNotFoundException(key));

    /// <summary>S3 leaves the header out for STANDARD.</summary>
    private static string ClassOf(GetObjectMetadataResponse head) =>
        head.StorageClass?.Value is { Length: > 0 } value ? value : "STANDARD";

    private async Task CopyOnceAsync(string key, string objectKey, GetObjectMetadataResponse head, string storageClass, CancellationToken cancellationToken)
    {
        CopyObjectResponse response;
        try
        {
            response = await _client.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = _bucket,
                SourceKey = objectKey,
                DestinationBucket = _bucket,
                DestinationKey = objectKey,
                MetadataDirective = S3MetadataDirective.COPY,
                StorageClass = S3StorageClass.FindValue(storageClass),
                ETagToMatch = head.ETag, // the object the head saw, not one written since
                // A copy is a new write: it is encrypted only when asked again, as PutObject asks.
                ServerSideEncryptionMethod = _sse,
                ServerSideEncryptionKeyManagementServiceKeyId = _kmsKeyId,
            }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
        {
            throw new BlobNotFoundException(key);
        }
        if (!EncryptionApplied(response.ServerSideEncryptionMethod))
            throw EncryptionNotApplied();
    }

    /// <summary>
    /// Objects above 5 GiB: a multipart upload onto the same key whose parts are server-side copies
    /// of ranges of the object (UploadPartCopy). Until it completes the object is untouched; any
    /// failure aborts it (and the multipart sweep catches what an abort misses).
    /// </summary>
    private async Task CopyInPartsAsync(string objectKey, GetObjectMetadataResponse head, string storageClass, CancellationToken cancellationToken)
    {
        var size = head.ContentLength;
        var partBytes = Math.Max(Math.Max(CopyPartBytes, S3StorageOptions.MinPartSizeBytes), (size + MaxParts - 1) / MaxParts);
        var initiated = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            ContentType = head.Headers.ContentType ?? "application/octet-stream",
            StorageClass = S3StorageClass.FindValue(storageClass),
            ServerSideEncryptionMethod = _sse,
            ServerSideEncryptionKeyManagementServiceKeyId = _kmsKeyId,
        }, cancellationToken);
        var uploadId = initiated.UploadId;
        try
        {
            if (!EncryptionApplied(initiated.ServerSideEncryptionMethod))
                throw EncryptionNotApplied();
            var parts = new List<PartETag>();
            for (var (first, number) = (0L, 1); first < size; first += partBytes, number++)
            {
                var part = await _client.CopyPartAsync(new CopyPartRequest
                {
                    SourceBucket = _bucket,
                    SourceKey = objectKey,
                    DestinationBucket = _bucket,
                    DestinationKey = objectKey,
                    UploadId = uploadId,
                    PartNumber = number,
                    FirstByte = first,
                    LastByte = Math.Min(first + partBytes, size) - 1,
                    ETagToMatch = [head.ETag],
                }, cancellationToken);
                parts.Add(new PartETag(number, part.ETag));
            }
            await CompleteAsync(objectKey, uploadId, parts, cancellationToken);
        }
        catch
        {
            await AbortAsync(objectKey, uploadId, CancellationToken.None);
            throw;
        }
    }
}
