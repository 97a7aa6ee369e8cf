using Amazon.S3;
using Amazon.S3.Model;
using Coffer.Storage.S3;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coffer.Storage.Tests.Infrastructure;

/// <summary>
/// An <see cref="S3BlobStore"/> on the test server under a prefix of its own (so tests and runs never
/// see each other's objects), with its network traffic counted; disposing removes everything under
/// the prefix. The bucket is created here when missing (a plain run against a bare server), never
/// by product code.
/// </summary>
internal sealed class S3TestStore : IAsyncDisposable
{
    /// <summary>The SSE-KMS key id tests/infra/ceph-start.sh gives Ceph's testing KMS backend.</summary>
    public const string KmsKeyId = "testkey-1";

    private static readonly SemaphoreSlim BucketLock = new(1, 1);
    private static readonly HashSet<string> KnownBuckets = [];

    private S3TestStore(S3Settings server, S3StorageOptions options, S3BlobStore store, TrafficCounter traffic)
    {
        Server = server;
        Options = options;
        Store = store;
        Traffic = traffic;
    }

    public S3Settings Server { get; }

    public S3StorageOptions Options { get; }

    public S3BlobStore Store { get; }

    public TrafficCounter Traffic { get; }

    /// <summary>The store's own SDK client, for looking behind its back.</summary>
    public AmazonS3Client Client => Store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Options for the test server: 5 MiB parts, two in flight, a fresh prefix.</summary>
    public static S3StorageOptions OptionsFor(S3Settings server) => new()
    {
        Bucket = server.Bucket,
        ServiceUrl = server.Url.ToString(),
        ForcePathStyle = true,
        Prefix = $"tests/{Guid.NewGuid():N}/",
        PartSizeBytes = S3StorageOptions.MinPartSizeBytes,
        ParallelParts = 2,
    };

    /// <summary>A store on the test server (skips or fails the test without one, see <see cref="TestServers"/>).</summary>
    public static async Task<S3TestStore> CreateAsync(Action<S3StorageOptions>? adjust = null, Action<AmazonS3Config>? configure = null)
    {
        var server = TestServers.S3();
        var options = OptionsFor(server);
        adjust?.Invoke(options);
        var traffic = new TrafficCounter();
        var store = new S3BlobStore(options, TimeProvider.System, NullLogger<S3BlobStore>.Instance, config =>
        {
            config.HttpClientFactory = new CountingHttpClientFactory(traffic);
            configure?.Invoke(config);
        });
        await EnsureBucketAsync(store.Client, options.Bucket);
        return new S3TestStore(server, options, store, traffic);
    }

    /// <summary>The multipart uploads under this store's prefix, as "key uploadId".</summary>
    public async Task<IReadOnlyList<string>> UploadsAsync()
    {
        var uploads = new List<string>();
        var request = new ListMultipartUploadsRequest { BucketName = Options.Bucket, Prefix = Options.Prefix };
        ListMultipartUploadsResponse response;
        do
        {
            response = await Client.ListMultipartUploadsAsync(request, Ct);
            uploads.AddRange((response.MultipartUploads ?? []).Select(u => $"{u.Key} {u.UploadId}"));
            request.KeyMarker = response.NextKeyMarker;
            request.UploadIdMarker = response.NextUploadIdMarker;
        }
        while (response.IsTruncated == true);
        return uploads;
    }

    /// <summary>Every object under this store's prefix, blob or not.</summary>
    public async Task<IReadOnlyList<string>> ObjectsAsync()
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Options.Bucket, Prefix = Options.Prefix };
        ListObjectsV2Response response;
        do
        {
            response = await Client.ListObjectsV2Async(request, Ct);
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var upload in await UploadsAsync())
            {
                var (key, id) = (upload[..upload.IndexOf(' ', StringComparison.Ordinal)], upload[(upload.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                await Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Options.Bucket, Key = key, UploadId = id }, CancellationToken.None);
            }
            foreach (var key in await ObjectsAsync())
                await Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Options.Bucket, Key = key }, CancellationToken.None);
        }
        finally
        {
            Store.Dispose();
        }
    }

    private static async Task EnsureBucketAsync(AmazonS3Client client, string bucket)
    {
        await BucketLock.WaitAsync(Ct);
        try
        {
            if (KnownBuckets.Contains(bucket))
                return;
            try
            {
                await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Ct);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                // test.sh made it
            }
            KnownBuckets.Add(bucket);
        }
        finally
        {
            BucketLock.Release();
        }
    }
}
