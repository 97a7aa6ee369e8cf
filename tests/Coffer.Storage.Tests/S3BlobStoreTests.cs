using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Coffer.Core;
using Coffer.Core.Blobs;
using Coffer.Storage.S3;
using Coffer.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coffer.Storage.Tests;

/// <summary>What only the S3 store does: pre-signed URLs, the multipart sweep, server-side encryption, failures of the server.</summary>
public sealed class S3BlobStoreTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly List<S3TestStore> _stores = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
            await store.DisposeAsync();
    }

    private async Task<S3TestStore> NewStoreAsync(Action<S3StorageOptions>? adjust = null, Action<AmazonS3Config>? configure = null)
    {
        var store = await S3TestStore.CreateAsync(adjust, configure);
        _stores.Add(store);
        return store;
    }

    private static string NewKey() => BlobKey.For(Guid.CreateVersion7(), Guid.CreateVersion7());

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static async Task WriteAsync(S3BlobStore store, string key, byte[] content)
    {
        await using var writer = await store.BeginWriteAsync(key, Ct);
        for (var offset = 0; offset < content.Length; offset += 1 * MiB)
            await writer.WriteAsync(content.AsMemory(offset, Math.Min(1 * MiB, content.Length - offset)), Ct);
        await writer.CompleteAsync(Ct);
    }

    private static async Task<byte[]> ReadAllAsync(S3BlobStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, Ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    private static DateTimeOffset InMinutes(int minutes) => DateTimeOffset.UtcNow.AddMinutes(minutes);

    [Fact]
    public async Task SlowReader_OutlivesTheSdkRequestTimeout()
    {
        // A browser may take an hour over a big download: the SDK's timeout covers getting the
        // response, not reading it, and a dropped connection is resumed from the position.
        var s3 = await NewStoreAsync(configure: c => c.Timeout = TimeSpan.FromSeconds(1));
        var key = NewKey();
        var content = RandomBytes(3 * MiB);
        await WriteAsync(s3.Store, key, content);
        await using var stream = await s3.Store.OpenReadAsync(key, Ct);
        var read = new byte[content.Length];

        await stream.ReadExactlyAsync(read.AsMemory(0, 1000), Ct);
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);
        await stream.ReadExactlyAsync(read.AsMemory(1000), Ct);

        Assert.Equal(content, read);
    }

    [Fact]
    public async Task PresignedMultipartUpload_PartsPutOverHttp_CompletesToTheBlob()
    {
        var s3 = await NewStoreAsync();
        var store = s3.Store;
        var key = NewKey();
        var content = RandomBytes(2 * (int)store.MinPartBytes + 12_345);

        var uploadId = await store.StartMultipartUploadAsync(key, Ct);
        var parts = new List<UploadedPart>();
        var offsets = new[] { 0, (int)store.MinPartBytes, 2 * (int)store.MinPartBytes, content.Length };
        for (var i = 0; i < 3; i++)
        {
            var url = store.PresignUploadPart(key, uploadId, i + 1, InMinutes(10));
            Assert.Equal(store.ClientOrigin, new Uri(url.GetLeftPart(UriPartial.Authority)));
            using var response = await Http.PutAsync(url, new ByteArrayContent(content, offsets[i], offsets[i + 1] - offsets[i]), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            parts.Add(new UploadedPart(i + 1, response.Headers.ETag!.Tag));
        }
        Assert.False(await store.ExistsAsync(key, Ct));
        Assert.Null(await store.SizeOfAsync(key, Ct));

        parts.Reverse(); // the store puts them in order
        await store.CompleteMultipartUploadAsync(key, uploadId, parts, Ct);

        Assert.Equal(content.Length, await store.SizeOfAsync(key, Ct));
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await ReadAllAsync(store, key)));
        Assert.Empty(await s3.UploadsAsync());
        await store.AbortMultipartUploadAsync(key, uploadId, Ct); // finished: not an error
    }

    [Fact]
    public async Task PresignedUploadPart_SmallerThanMinimum_CompleteFails()
    {
        var s3 = await NewStoreAsync();
        var store = s3.Store;
        var key = NewKey();
        var uploadId = await store.StartMultipartUploadAsync(key, Ct);
        var parts = new List<UploadedPart>();
        for (var i = 1; i <= 2; i++)
        {
            using var response = await Http.PutAsync(store.PresignUploadPart(key, uploadId, i, InMinutes(10)), new ByteArrayContent(RandomBytes(1000)), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            parts.Add(new UploadedPart(i, response.Headers.ETag!.Tag));
        }

        var refused = await Assert.ThrowsAsync<InvalidInputException>(() => store.CompleteMultipartUploadAsync(key, uploadId, parts, Ct));
        Assert.Contains("EntityTooSmall", refused.Message, StringComparison.Ordinal);

        await store.AbortMultipartUploadAsync(key, uploadId, Ct);
        await store.AbortMultipartUploadAsync(key, uploadId, Ct); // twice: not an error
        Assert.Empty(await s3.UploadsAsync());
        Assert.False(await store.ExistsAsync(key, Ct));
    }

    [Fact]
    public async Task PresignedDownload_WithRange_PartialContentAsNamedAttachment()
    {
        var s3 = await NewStoreAsync();
        var key = NewKey();
        var content = RandomBytes(100_000);
        await WriteAsync(s3.Store, key, content);
        const string name = "Résumé \"final\" 100%.pdf";

        var url = s3.Store.PresignDownload(key, name, "application/pdf", InMinutes(5));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(10, 19);
        using var response = await Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(content[10..20], await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "attachment; filename=\"R_sum_ _final_ 100_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20100%25.pdf",
            string.Join(", ", response.Content.Headers.GetValues("Content-Disposition")));
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal(name, disposition.FileNameStar);

        using var whole = await Http.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(content, await whole.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task PresignedUrl_Expired_Forbidden()
    {
        var s3 = await NewStoreAsync();
        var key = NewKey();
        await WriteAsync(s3.Store, key, RandomBytes(10));
        var url = s3.Store.PresignDownload(key, "a.txt", "text/plain", DateTimeOffset.UtcNow.AddSeconds(2));
        using (var fresh = await Http.GetAsync(url, Ct))
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(3.5), Ct);

        using var expired = await Http.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
    }

    [Theory]
    [InlineData("response-content-type", "text/html")]
    [InlineData("X-Amz-Expires", "604800")]
    [InlineData("X-Amz-Date", "20200101T000000Z")]
    [InlineData("path", "another blob")]
    [InlineData("path", "the bucket")]
    public async Task PresignedUrl_Tampered_Forbidden(string part, string change)
    {
        var s3 = await NewStoreAsync();
        var key = NewKey();
        var other = NewKey();
        await WriteAsync(s3.Store, key, RandomBytes(10));
        await WriteAsync(s3.Store, other, RandomBytes(10));
        var url = s3.Store.PresignDownload(key, "a.txt", "text/plain", InMinutes(5)).AbsoluteUri;

        string tampered;
        if (part != "path")
        {
            var start = url.IndexOf(part + "=", StringComparison.Ordinal) + part.Length + 1;
            var end = url.IndexOf('&', start) is var amp and >= 0 ? amp : url.Length;
            tampered = url[..start] + Uri.EscapeDataString(change) + url[end..];
        }
        else if (change == "another blob")
            tampered = url.Replace(key, other, StringComparison.Ordinal);
        else
            tampered = url.Replace(s3.Options.Prefix + key, "", StringComparison.Ordinal); // list the bucket instead
        Assert.NotEqual(url, tampered);

        using var response = await Http.GetAsync(new Uri(tampered), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AnonymousRequests_Forbidden()
    {
        var s3 = await NewStoreAsync();
        var key = NewKey();
        await WriteAsync(s3.Store, key, RandomBytes(10));
        var objectUrl = new Uri(s3.Server.Url, $"{s3.Options.Bucket}/{s3.Options.Prefix}{key}");
        var bucketUrl = new Uri(s3.Server.Url, s3.Options.Bucket);

        using var get = await Http.GetAsync(objectUrl, Ct);
        using var list = await Http.GetAsync(bucketUrl, Ct);
        using var put = await Http.PutAsync(new Uri(s3.Server.Url, $"{s3.Options.Bucket}/{s3.Options.Prefix}{NewKey()}"), new ByteArrayContent([1]), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Single(await s3.ObjectsAsync());
    }

    [Fact]
    public async Task Presign_ExpiryInThePastOrBeyondAWeek_Refused()
    {
        var s3 = await NewStoreAsync();
        var key = NewKey();

        Assert.Throws<ArgumentOutOfRangeException>(() => s3.Store.PresignDownload(key, "a", "text/plain", DateTimeOffset.UtcNow.AddSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => s3.Store.PresignUploadPart(key, "id", 1, DateTimeOffset.UtcNow.AddDays(8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => s3.Store.PresignUploadPart(key, "id", 0, InMinutes(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => s3.Store.PresignUploadPart(key, "id", 10_001, InMinutes(5)));
        Assert.Throws<ArgumentException>(() => s3.Store.PresignDownload("../x", "a", "text/plain", InMinutes(5)));
    }

    [Fact]
    public async Task Sweeper_AbortsUploadsStartedBeforeTheCutoff_UnderItsPrefixOnly()
    {
        var s3 = await NewStoreAsync();
        var neighbour = await NewStoreAsync();
        var key = NewKey();
        var uploadId = await s3.Store.StartMultipartUploadAsync(key, Ct);
        using (var part = await Http.PutAsync(s3.Store.PresignUploadPart(key, uploadId, 1, InMinutes(5)), new ByteArrayContent(RandomBytes(MiB)), Ct))
            Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        await neighbour.Store.StartMultipartUploadAsync(NewKey(), Ct);
        // An upload under the prefix that is not a blob: not Coffer's to sweep.
        var foreign = await s3.Client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = s3.Options.Bucket, Key = s3.Options.Prefix + "other/file" }, Ct);

        Assert.Equal(0, await s3.Store.AbortUploadsStartedBeforeAsync(DateTimeOffset.UtcNow.AddHours(-1), Ct));
        Assert.Equal(2, (await s3.UploadsAsync()).Count);

        Assert.Equal(1, await s3.Store.AbortUploadsStartedBeforeAsync(DateTimeOffset.UtcNow.AddHours(1), Ct));

        Assert.Equal([$"{s3.Options.Prefix}other/file {foreign.UploadId}"], await s3.UploadsAsync());
        Assert.Single(await neighbour.UploadsAsync());
        Assert.Empty(await s3.ObjectsAsync());
        Assert.False(await s3.Store.ExistsAsync(key, Ct));
    }

    [Fact]
    public async Task PartFailsMidStream_WriteOrCompleteThrows_AndNothingIsLeft()
    {
        var s3 = await NewStoreAsync();
        var key = NewKey();
        var content = RandomBytes(4 * S3StorageOptions.MinPartSizeBytes);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var writer = await s3.Store.BeginWriteAsync(key, Ct);
            await writer.WriteAsync(content.AsMemory(0, S3StorageOptions.MinPartSizeBytes + 1), Ct); // starts the multipart upload
            // Pull the upload from under the writer: every part and the completion now fail.
            var upload = Assert.Single(await s3.UploadsAsync());
            await s3.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = s3.Options.Bucket,
                Key = s3.Options.Prefix + key,
                UploadId = upload[(upload.IndexOf(' ', StringComparison.Ordinal) + 1)..],
            }, Ct);
            await writer.WriteAsync(content.AsMemory(S3StorageOptions.MinPartSizeBytes + 1), Ct);
            await writer.CompleteAsync(Ct);
        });

        Assert.False(await s3.Store.ExistsAsync(key, Ct));
        Assert.Empty(await s3.UploadsAsync());
        Assert.Empty(await s3.ObjectsAsync());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(2 * S3StorageOptions.MinPartSizeBytes + 7)]
    public async Task SseKms_ObjectsAreEncryptedWithTheKey_AndRoundTrip(int length)
    {
        var s3 = await NewStoreAsync(o =>
        {
            o.ServerSideEncryption = S3StorageOptions.Encryption.Kms;
            o.KmsKeyId = S3TestStore.KmsKeyId;
        });
        var key = NewKey();
        var content = RandomBytes(length);

        await WriteAsync(s3.Store, key, content);

        var head = await s3.Client.GetObjectMetadataAsync(s3.Options.Bucket, s3.Options.Prefix + key, Ct);
        Assert.Equal(ServerSideEncryptionMethod.AWSKMS, head.ServerSideEncryptionMethod);
        Assert.Equal(S3TestStore.KmsKeyId, head.ServerSideEncryptionKeyManagementServiceKeyId);
        Assert.Equal(content, await ReadAllAsync(s3.Store, key));
        await using var stream = await s3.Store.OpenReadAsync(key, Ct);
        stream.Position = length - 3;
        var tail = new byte[3];
        await stream.ReadExactlyAsync(tail, Ct);
        Assert.Equal(content[^3..], tail);

        using var presigned = await Http.GetAsync(s3.Store.PresignDownload(key, "x.bin", "application/octet-stream", InMinutes(5)), Ct);
        Assert.Equal(content, await presigned.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StorageClassMove_SseKms_TheCopyIsEncryptedWithTheKeyToo(bool inParts)
    {
        var s3 = await NewStoreAsync(o =>
        {
            o.ServerSideEncryption = S3StorageOptions.Encryption.Kms;
            o.KmsKeyId = S3TestStore.KmsKeyId;
        });
        if (inParts)
        {
            // Objects over 5 GiB are copied in parts; here the limit is lowered so 12 MiB takes three.
            s3.Store.SingleCopyLimit = 5 * MiB;
            s3.Store.CopyPartBytes = 5 * MiB;
        }
        var key = NewKey();
        var content = RandomBytes(12 * MiB + 7);
        await WriteAsync(s3.Store, key, content);

        await s3.Store.MoveAsync(key, "STANDARD_IA", Ct);

        var head = await s3.Client.GetObjectMetadataAsync(s3.Options.Bucket, s3.Options.Prefix + key, Ct);
        Assert.Equal("STANDARD_IA", head.StorageClass?.Value);
        Assert.Equal(ServerSideEncryptionMethod.AWSKMS, head.ServerSideEncryptionMethod);
        Assert.Equal(S3TestStore.KmsKeyId, head.ServerSideEncryptionKeyManagementServiceKeyId);
        Assert.Equal(content.Length, head.ContentLength);
        Assert.Equal(content, await ReadAllAsync(s3.Store, key));
        Assert.Empty(await s3.UploadsAsync());
    }

    [Theory]
    [InlineData("GLACIER")]
    [InlineData("DEEP_ARCHIVE")]
    [InlineData("COLD")]
    [InlineData("standard_ia")]
    public async Task StorageClass_NeedingARestoreOrUnknown_NotSupported(string storageClass)
    {
        var s3 = await NewStoreAsync();
        Assert.False(s3.Store.IsSupported(storageClass));
        await Assert.ThrowsAsync<ArgumentException>(() => s3.Store.MoveAsync(NewKey(), storageClass, Ct));
    }

    [Fact]
    public async Task SseKms_UnknownKey_WriteFails_AndLeavesNothing()
    {
        var s3 = await NewStoreAsync(o =>
        {
            o.ServerSideEncryption = S3StorageOptions.Encryption.Kms;
            o.KmsKeyId = "no-such-key";
        });
        var key = NewKey();

        await Assert.ThrowsAsync<AmazonS3Exception>(() => WriteAsync(s3.Store, key, RandomBytes(1000)));
        await Assert.ThrowsAsync<AmazonS3Exception>(() => WriteAsync(s3.Store, key, RandomBytes(S3StorageOptions.MinPartSizeBytes + 1)));

        Assert.Empty(await s3.ObjectsAsync());
        Assert.Empty(await s3.UploadsAsync());
    }

    /// <summary>
    /// Ceph 16 (Pacific) has no SSE-S3: it answers <c>x-amz-server-side-encryption: AES256</c> with 200
    /// and stores plaintext. The store notices that the answer lacks the encryption and fails the
    /// write instead, leaving nothing. (AWS and Ceph 17+ apply it; the test server is Ceph 16.)
    /// </summary>
    [Theory]
    [InlineData(1000)]
    [InlineData(S3StorageOptions.MinPartSizeBytes + 7)]
    public async Task SseS3_IgnoredByTheServer_WriteFailsAndLeavesNothing(int length)
    {
        var s3 = await NewStoreAsync(o => o.ServerSideEncryption = S3StorageOptions.Encryption.Aes256);
        var key = NewKey();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync(s3.Store, key, RandomBytes(length)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => s3.Store.StartMultipartUploadAsync(NewKey(), Ct));

        Assert.Contains("did not apply the configured server-side encryption (AES256)", failure.Message, StringComparison.Ordinal);
        Assert.Empty(await s3.ObjectsAsync());
        Assert.Empty(await s3.UploadsAsync());
    }

    [Fact]
    public async Task CheckHealth_MissingBucket_Throws()
    {
        var s3 = await NewStoreAsync();
        using var store = new S3BlobStore(new S3StorageOptions
        {
            Bucket = "coffer-missing-" + Guid.NewGuid().ToString("N")[..12],
            ServiceUrl = s3.Options.ServiceUrl,
            ForcePathStyle = true,
        }, TimeProvider.System, NullLogger<S3BlobStore>.Instance);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => store.CheckHealthAsync(Ct));

        Assert.Contains("NoSuchBucket", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AmazonS3Exception>(() => WriteAsync(store, NewKey(), RandomBytes(10)));
    }

    [Fact]
    public async Task CheckHealth_WrongCredentials_Throws_WithoutTheSecret()
    {
        const string secret = "not-the-secret-0000000000000000000000000";
        var s3 = await NewStoreAsync();
        using var store = new S3BlobStore(s3.Options, TimeProvider.System, NullLogger<S3BlobStore>.Instance,
            c => c.DefaultAWSCredentials = new BasicAWSCredentials("NOSUCHACCESSKEY00001", secret));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => store.CheckHealthAsync(Ct));

        Assert.Contains("InvalidAccessKeyId", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_Unreachable_Throws()
    {
        TestServers.S3();
        using var store = new S3BlobStore(new S3StorageOptions
        {
            Bucket = "coffer-test",
            ServiceUrl = "http://127.0.0.1:1",
            ForcePathStyle = true,
        }, TimeProvider.System, NullLogger<S3BlobStore>.Instance);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CheckHealthAsync(Ct));
    }
}
