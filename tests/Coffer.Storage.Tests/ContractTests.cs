using Coffer.Core.Blobs;
using Coffer.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coffer.Storage.Tests;

/// <summary>The contract on the local store, in a temporary folder.</summary>
public sealed class LocalBlobStoreContractTests : BlobStoreContract
{
    private readonly string _root = Directory.CreateTempSubdirectory("coffer-storage-tests-").FullName;

    private string Hot => Path.Combine(_root, "blobs");

    private string ColdDir => Path.Combine(_root, "blobs-cold");

    protected override string ColderClass => LocalBlobStore.Cold;

    protected override Task<IBlobStore> CreateStoreAsync() =>
        Task.FromResult<IBlobStore>(new LocalBlobStore(Hot, ColdDir, NullLogger<LocalBlobStore>.Instance));

    protected override Task<IReadOnlyList<string>> LeftoversAsync() =>
        Task.FromResult<IReadOnlyList<string>>(Directory.GetFiles(_root, "*.partial", SearchOption.AllDirectories));

    /// <summary>The directory that holds the file: exactly one of the two must.</summary>
    protected override Task<string> StoredClassAsync(string key)
    {
        var (hot, cold) = (File.Exists(Path.Combine(Hot, key)), File.Exists(Path.Combine(ColdDir, key)));
        Assert.True(hot ^ cold, $"the blob is in {(hot && cold ? "both directories" : "neither directory")}");
        return Task.FromResult(hot ? LocalBlobStore.Standard : LocalBlobStore.Cold);
    }

    [Fact]
    public void ColdDirectory_InsideTheBlobDirectory_Refused() =>
        Assert.Throws<ArgumentException>(() => new LocalBlobStore(Hot, Path.Combine(Hot, "cold"), NullLogger<LocalBlobStore>.Instance));

    [Fact]
    public async Task WithoutColdDirectory_OnlyTheStandardClass()
    {
        var store = new LocalBlobStore(Hot, NullLogger<LocalBlobStore>.Instance);
        Assert.Equal([LocalBlobStore.Standard], store.StorageClasses);
        Assert.False(store.IsSupported(LocalBlobStore.Cold));
        await Assert.ThrowsAsync<ArgumentException>(() => store.MoveAsync(NewKey(), LocalBlobStore.Cold, Ct));
    }

    protected override Task CleanUpAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The contract on the S3 store against the test server (Ceph RGW under test.sh), each test under its own prefix.</summary>
public sealed class S3BlobStoreContractTests : BlobStoreContract
{
    private S3TestStore? _s3;

    private S3TestStore S3 => _s3 ?? throw new InvalidOperationException("InitializeAsync has not run.");

    protected override (long Bytes, int Requests)? Traffic => (S3.Traffic.Bytes, S3.Traffic.Requests);

    /// <summary>tests/infra/ceph-start.sh gives the test Ceph's default placement this second class.</summary>
    protected override string ColderClass => "STANDARD_IA";

    /// <summary>A HEAD of the object with the SDK's own client (S3 leaves the header out for STANDARD).</summary>
    protected override async Task<string> StoredClassAsync(string key)
    {
        var head = await S3.Client.GetObjectMetadataAsync(S3.Options.Bucket, S3.Options.Prefix + key, Ct);
        return head.StorageClass?.Value is { Length: > 0 } value ? value : "STANDARD";
    }

    protected override async Task<IBlobStore> CreateStoreAsync()
    {
        _s3 = await S3TestStore.CreateAsync();
        return _s3.Store;
    }

    protected override async Task<IReadOnlyList<string>> LeftoversAsync() => await S3.UploadsAsync();

    protected override void ResetTraffic() => S3.Traffic.Reset();

    protected override async Task CleanUpAsync()
    {
        if (_s3 is not null)
            await _s3.DisposeAsync();
    }
}
