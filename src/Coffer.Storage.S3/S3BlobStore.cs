using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Coffer.Core;
using Coffer.Core.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coffer.Storage.S3;

/// <summary>
/// Blobs as objects of an S3 bucket (AWS, Ceph RGW, MinIO...) at <c>{Prefix}{blob key}</c>. Writes stream
/// through a bounded number of pooled part buffers (a small blob is one PUT, a larger one a multipart
/// upload that any failure aborts), reads are lazy ranged GETs so a Range request fetches only what it
/// needs, and clients can move bytes directly with pre-signed URLs.
/// </summary>
public sealed partial class S3BlobStore : IBlobStore, IDirectTransferStore, IMultipartSweeper, IDisposable
{
    /// <summary>S3 numbers parts 1 to 10,000.</summary>
    internal const int MaxParts = 10_000;

    /// <summary>SigV4 pre-signed URLs live at most a week.</summary>
    private static readonly TimeSpan MaxPresignLifetime = TimeSpan.FromDays(7);

    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly int _partSize;
    private readonly int _parallelParts;
    private readonly ServerSideEncryptionMethod? _sse;
    private readonly string? _kmsKeyId;
    private readonly Protocol _presignProtocol;
    private readonly TimeProvider _clock;
    private readonly ILogger<S3BlobStore> _logger;
    private Uri? _clientOrigin;

    /// <summary>A store for <paramref name="options"/>; several can live side by side (say a primary and a backup bucket).</summary>
    public S3BlobStore(S3StorageOptions options, TimeProvider clock, ILogger<S3BlobStore> logger)
        : this(options, clock, logger, configure: null)
    {
    }

    /// <summary>The same, with a last word on the SDK's client configuration (tests count traffic through it).</summary>
    internal S3BlobStore(S3StorageOptions options, TimeProvider clock, ILogger<S3BlobStore> logger, Action<AmazonS3Config>? configure)
    {
        var problems = S3StorageOptionsValidator.Problems(options);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        _bucket = options.Bucket;
        _prefix = options.Prefix;
        _partSize = options.PartSizeBytes;
        _parallelParts = options.ParallelParts;
        _sse = options.ServerSideEncryption switch
        {
            S3StorageOptions.Encryption.Aes256 => ServerSideEncryptionMethod.AES256,
            S3StorageOptions.Encryption.Kms => ServerSideEncryptionMethod.AWSKMS,
            _ => null,
        };
        _kmsKeyId = options.KmsKeyId;
        _clock = clock;
        _logger = logger;

        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // AWSSDK 4 adds CRC trailers and validates response checksums by default; Ceph and other
            // S3 kin reject or lack them (XAmzContentSHA256Mismatch). SigV4 still signs every payload.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is { } serviceUrl)
            config.ServiceURL = serviceUrl;
        else
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        if (options.Profile is { } profile)
            config.Profile = new Profile(profile);
        configure?.Invoke(config);
        _presignProtocol = options.ServiceUrl is { } url && new Uri(url).Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS;
        _client = new AmazonS3Client(config); // credentials: the standard AWS chain (or the named profile)
    }

    /// <summary>A store for <paramref name="options"/> with the clock and logger of <paramref name="services"/>.</summary>
    public static S3BlobStore Create(S3StorageOptions options, IServiceProvider services) =>
        new(options, services.GetService<TimeProvider>() ?? TimeProvider.System, services.GetRequiredService<ILogger<S3BlobStore>>());

    public long MinPartBytes => S3StorageOptions.MinPartSizeBytes;

    /// <summary>Where pre-signed URLs point (the bucket's host for virtual-hosted addressing): read off one such URL.</summary>
    public Uri ClientOrigin => _clientOrigin ??= new Uri(
        Presign(new GetPreSignedUrlRequest { Key = _prefix + "origin-probe", Verb = HttpVerb.GET }, _clock.GetUtcNow().AddMinutes(5))
            .GetLeftPart(UriPartial.Authority));

    internal AmazonS3Client Client => _client;

    public Task<IBlobWriter> BeginWriteAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult<IBlobWriter>(new S3BlobWriter(this, ObjectKey(key), _partSize, _parallelParts));

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        var head = await HeadAsync(objectKey, cancellationToken) ?? throw new BlobNotFoundException(key);
        return new S3ReadStream(this, objectKey, key, head.ContentLength, head.ETag);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = ObjectKey(key) }, cancellationToken);

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        await HeadAsync(ObjectKey(key), cancellationToken) is not null;

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + prefix };
        ListObjectsV2Response response;
        do
        {
            response = await _client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                var key = item.Key[_prefix.Length..];
                if (BlobKey.IsValid(key)) // skip whatever else shares the bucket and prefix
                    yield return new StoredObject(key, item.Size ?? 0, LastModified(item));
            }
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
    }

    /// <summary>An object's time as the store reports it; a store that reports none makes it look brand new, so nothing deletes it for age.</summary>
    private static DateTimeOffset LastModified(S3Object item) =>
        item.LastModified is { } modified ? AsUtc(modified) : DateTimeOffset.MaxValue;

    /// <summary>
    /// Lists at most one key under the prefix: one cheap request that fails when the endpoint is
    /// unreachable, the bucket missing or the credentials refused. It writes nothing (a probe object
    /// per readiness poll would cost a PUT each time); a store that may list but not write shows up
    /// at the first upload.
    /// </summary>
    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, MaxKeys = 1 }, cancellationToken);
        }
        catch (AmazonServiceException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The S3 bucket '{_bucket}' cannot be listed: {Describe(ex)}.", ex);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The S3 bucket '{_bucket}' cannot be reached: {ex.Message}", ex);
        }
    }

    public async Task<string> StartMultipartUploadAsync(string key, CancellationToken cancellationToken) =>
        await InitiateAsync(ObjectKey(key), cancellationToken);

    public Uri PresignUploadPart(string key, string uploadId, int partNumber, DateTimeOffset expires)
    {
        ArgumentException.ThrowIfNullOrEmpty(uploadId);
        ArgumentOutOfRangeException.ThrowIfLessThan(partNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partNumber, MaxParts);
        return Presign(new GetPreSignedUrlRequest
        {
            Key = ObjectKey(key),
            Verb = HttpVerb.PUT,
            UploadId = uploadId,
            PartNumber = partNumber,
        }, expires);
    }

    public async Task CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uploadId);
        if (parts.Count == 0)
            throw new ArgumentException("A multipart upload needs at least one part.", nameof(parts));
        try
        {
            await CompleteAsync(ObjectKey(key), uploadId,
                [.. parts.OrderBy(p => p.Number).Select(p => new PartETag(p.Number, p.ETag))], cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "InvalidPart" or "InvalidPartOrder" or "EntityTooSmall" or "NoSuchUpload")
        {
            // The client's parts, not the store, are wrong: a part missing, an ETag that is not the part's, a part too small.
            throw new InvalidInputException("The uploaded parts do not make a complete file.",
                $"The store refused them ({ex.ErrorCode}): upload every part in full and send the ETag each PUT answered.", "parts");
        }
    }

    public async Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uploadId);
        await AbortAsync(ObjectKey(key), uploadId, cancellationToken);
    }

    public async Task<long?> SizeOfAsync(string key, CancellationToken cancellationToken) =>
        (await HeadAsync(ObjectKey(key), cancellationToken))?.ContentLength;

    public Uri PresignDownload(string key, string fileName, string contentType, DateTimeOffset expires)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        return Presign(new GetPreSignedUrlRequest
        {
            Key = ObjectKey(key),
            Verb = HttpVerb.GET,
            ResponseHeaderOverrides = new ResponseHeaderOverrides
            {
                ContentDisposition = AttachmentDisposition(fileName),
                ContentType = contentType,
            },
        }, expires);
    }

    public async Task<int> AbortUploadsStartedBeforeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken)
    {
        var request = new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = _prefix };
        var aborted = 0;
        ListMultipartUploadsResponse response;
        do
        {
            response = await _client.ListMultipartUploadsAsync(request, cancellationToken);
            foreach (var upload in response.MultipartUploads ?? [])
            {
                if (!upload.Key.StartsWith(_prefix, StringComparison.Ordinal) || !BlobKey.IsValid(upload.Key[_prefix.Length..]))
                    continue; // not Coffer's
                if (upload.Initiated is not { } initiated || AsUtc(initiated) >= startedBefore)
                    continue;
                await AbortAsync(upload.Key, upload.UploadId, cancellationToken);
                aborted++;
            }
            request.KeyMarker = response.NextKeyMarker;
            request.UploadIdMarker = response.NextUploadIdMarker;
        }
        while (response.IsTruncated == true);
        if (aborted > 0)
            LogSwept(aborted, startedBefore);
        return aborted;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// <c>attachment</c> with the name twice: a quoted ASCII fallback for old clients and the exact
    /// name as RFC 5987 <c>filename*</c> (UTF-8, percent-encoded).
    /// </summary>
    internal static string AttachmentDisposition(string fileName)
    {
        var fallback = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
            fallback.Append(c is >= ' ' and < (char)0x7f and not '"' and not '\\' and not '%' ? c : '_');
        return $"attachment; filename=\"{fallback}\"; filename*=UTF-8''{Uri.EscapeDataString(fileName)}";
    }

    /// <summary>The object key of a blob key, refusing anything this store's callers did not make.</summary>
    internal string ObjectKey(string key) =>
        BlobKey.IsValid(key) ? _prefix + key : throw new ArgumentException("Not a blob key.", nameof(key));

    internal async Task<GetObjectMetadataResponse?> HeadAsync(string objectKey, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = objectKey }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (IsNoSuchKey(ex))
        {
            return null;
        }
    }

    /// <summary>A GET of the object from <paramref name="from"/> to its end, or null when it is gone.</summary>
    internal async Task<GetObjectResponse?> GetFromAsync(string objectKey, long from, string? etag, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _bucket,
                Key = objectKey,
                ByteRange = new ByteRange($"bytes={from}-"),
                EtagToMatch = string.IsNullOrEmpty(etag) ? null : etag, // never splice two versions of a key
            }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (IsNoSuchKey(ex))
        {
            return null;
        }
    }

    internal async Task<string> InitiateAsync(string objectKey, CancellationToken cancellationToken)
    {
        var response = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            ContentType = "application/octet-stream",
            ServerSideEncryptionMethod = _sse,
            ServerSideEncryptionKeyManagementServiceKeyId = _kmsKeyId,
        }, cancellationToken);
        if (!EncryptionApplied(response.ServerSideEncryptionMethod))
        {
            await AbortAsync(objectKey, response.UploadId, CancellationToken.None);
            throw EncryptionNotApplied();
        }
        return response.UploadId;
    }

    internal async Task<string> UploadPartAsync(string objectKey, string uploadId, int number, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(buffer, 0, length, writable: false);
        var response = await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            UploadId = uploadId,
            PartNumber = number,
            InputStream = content,
            PartSize = length,
        }, cancellationToken);
        return response.ETag;
    }

    internal async Task PutAsync(string objectKey, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(buffer, 0, length, writable: false);
        var response = await _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            InputStream = content,
            ContentType = "application/octet-stream",
            ServerSideEncryptionMethod = _sse,
            ServerSideEncryptionKeyManagementServiceKeyId = _kmsKeyId,
        }, cancellationToken);
        if (!EncryptionApplied(response.ServerSideEncryptionMethod))
            throw EncryptionNotApplied(); // the writer deletes what was stored
    }

    /// <summary>Joins the parts. Ceph answers with an empty ETag, so nothing here relies on it.</summary>
    internal async Task CompleteAsync(string objectKey, string uploadId, List<PartETag> parts, CancellationToken cancellationToken) =>
        await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            UploadId = uploadId,
            PartETags = parts,
        }, cancellationToken);

    /// <summary>Aborts an upload; one that is already finished or unknown is fine.</summary>
    internal async Task AbortAsync(string objectKey, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = objectKey, UploadId = uploadId }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload" || ex.StatusCode == HttpStatusCode.NotFound)
        {
            // finished or aborted already
        }
    }

    /// <summary>
    /// Undoes a write that failed or was abandoned: its multipart upload and, when the request that
    /// makes the object visible was sent but its answer lost, the object itself. Failures are logged,
    /// not thrown: the caller is already failing, and the multipart sweep catches what remains.
    /// </summary>
    internal async Task DiscardAsync(string objectKey, string? uploadId, bool mayExist)
    {
        if (uploadId is not null)
        {
            try
            {
                await AbortAsync(objectKey, uploadId, CancellationToken.None);
                LogUploadAborted(objectKey);
            }
            catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
            {
                LogAbortFailed(ex, objectKey);
            }
        }
        if (mayExist)
        {
            try
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = objectKey }, CancellationToken.None);
            }
            catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
            {
                LogDiscardFailed(ex, objectKey);
            }
        }
    }

    internal void ReadResumed(Exception exception, string objectKey, long position) => LogReadResumed(exception, objectKey, position);

    private Uri Presign(GetPreSignedUrlRequest request, DateTimeOffset expires)
    {
        var now = _clock.GetUtcNow();
        if (expires <= now || expires - now > MaxPresignLifetime)
            throw new ArgumentOutOfRangeException(nameof(expires), "A pre-signed URL must expire in the future and within 7 days.");
        request.BucketName = _bucket;
        // The SDK signs with the machine's clock and turns Expires into a lifetime against it; the
        // lifetime the caller meant is measured on Coffer's clock (the same one in production).
        request.Expires = TimeProvider.System.GetUtcNow().UtcDateTime + (expires - now);
        request.Protocol = _presignProtocol;
        return new Uri(_client.GetPreSignedURL(request));
    }

    /// <summary>
    /// Whether the store says it encrypted as configured. PUT and InitiateMultipartUpload answer with
    /// the method applied (AWS, Ceph); a store that ignores the request stores plaintext and answers
    /// without it (Ceph 16 does that for AES256), which must not pass silently.
    /// </summary>
    private bool EncryptionApplied(ServerSideEncryptionMethod? applied) =>
        _sse is null || (applied is not null && applied.Value == _sse.Value);

    private InvalidOperationException EncryptionNotApplied() =>
        new($"The S3 store did not apply the configured server-side encryption ({_sse}) and would have kept the blob in plaintext; " +
            "nothing was stored. Ceph before 17 (Quincy) ignores AES256: use aws:kms there, or None.");

    /// <summary>404 for the object itself; a missing bucket is a broken store, not a missing blob.</summary>
    private static bool IsNoSuchKey(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket";

    private static string Describe(AmazonServiceException ex) =>
        string.IsNullOrEmpty(ex.ErrorCode) ? $"HTTP {(int)ex.StatusCode}" : $"{ex.ErrorCode} (HTTP {(int)ex.StatusCode})";

    private static DateTimeOffset AsUtc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(time, TimeSpan.Zero) : new DateTimeOffset(time.ToUniversalTime());

    [LoggerMessage(Level = LogLevel.Debug, Message = "Aborted the multipart upload of {ObjectKey}")]
    private partial void LogUploadAborted(string objectKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort the multipart upload of {ObjectKey}; the multipart sweep will retry")]
    private partial void LogAbortFailed(Exception exception, string objectKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {ObjectKey} after its write failed")]
    private partial void LogDiscardFailed(Exception exception, string objectKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {ObjectKey} broke at byte {Position}; resuming with a new request")]
    private partial void LogReadResumed(Exception exception, string objectKey, long position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted {Count} multipart upload(s) started before {StartedBefore:u}")]
    private partial void LogSwept(int count, DateTimeOffset startedBefore);
}
