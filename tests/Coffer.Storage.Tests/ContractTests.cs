using Coffer.Core.Blobs;
using Coffer.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coffer.Storage.Tests;

/// <summary>The contract on the local store, in a temporary folder.</summary>
public sealed class LocalBlobStoreContractTests : BlobStoreContract
{
    private readonly string _root = Directory.CreateTempSubdirectory("coffer-storage-tests-").FullName;

    protected override Task<IBlobStore> CreateStoreAsync() =>
        Task.FromResult<IBlobStore>(new LocalBlobStore(_root, NullLogger<LocalBlobStore>.Instance));

    protected override Task<IReadOnlyList<string>> LeftoversAsync() =>
        Task.FromResult<IReadOnlyList<string>>(Directory.GetFiles(_root, "*.partial", SearchOption.AllDirectories));

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
