using Coffer.Core.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Blobs;

public sealed class LocalBlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("coffer-core-tests-").FullName;
    private readonly LocalBlobStore _store;

    public LocalBlobStoreTests() => _store = new LocalBlobStore(_root, NullLogger<LocalBlobStore>.Instance);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string NewKey() => BlobKey.For(Guid.CreateVersion7(), Guid.CreateVersion7());

    private string[] Files() => Directory.GetFiles(_root, "*", SearchOption.AllDirectories);

    [Fact]
    public async Task BeginWriteAsync_CompletedWriter_BlobReadableUnderKey()
    {
        var key = NewKey();
        var content = RandomBytes(10_000);

        await using (var writer = await _store.BeginWriteAsync(key, Ct))
        {
            await writer.WriteAsync(content.AsMemory(0, 4000), Ct);
            Assert.False(await _store.ExistsAsync(key, Ct));
            await writer.WriteAsync(content.AsMemory(4000), Ct);
            await writer.CompleteAsync(Ct);
        }

        Assert.True(await _store.ExistsAsync(key, Ct));
        await using var read = await _store.OpenReadAsync(key, Ct);
        Assert.True(read.CanSeek);
        read.Seek(4000, SeekOrigin.Begin);
        var tail = new byte[6000];
        await read.ReadExactlyAsync(tail, Ct);
        Assert.Equal(content[4000..], tail);
    }

    [Fact]
    public async Task DisposeAsync_UncompletedWriter_LeavesNoFile()
    {
        var key = NewKey();

        await using (var writer = await _store.BeginWriteAsync(key, Ct))
        {
            await writer.WriteAsync(RandomBytes(1000), Ct);
            Assert.Single(Files(), f => f.EndsWith(".partial", StringComparison.Ordinal));
        }

        Assert.Empty(Files());
        Assert.False(await _store.ExistsAsync(key, Ct));
    }

    [Fact]
    public async Task DeleteAsync_MissingBlob_DoesNotThrow() => await _store.DeleteAsync(NewKey(), Ct);

    [Fact]
    public async Task OpenReadAsync_MissingBlob_ThrowsBlobNotFound() =>
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync(NewKey(), Ct));

    [Fact]
    public async Task RemoveAbandonedPartials_PartialsLeftByACrash_RemovesOnlyThose()
    {
        var kept = NewKey();
        await using (var writer = await _store.BeginWriteAsync(kept, Ct))
        {
            await writer.WriteAsync(RandomBytes(10), Ct);
            await writer.CompleteAsync(Ct);
        }
        var crashed = Path.Combine(_root, NewKey() + ".partial");
        Directory.CreateDirectory(Path.GetDirectoryName(crashed)!);
        await File.WriteAllBytesAsync(crashed, [1, 2, 3], Ct);

        Assert.Equal(1, _store.RemoveAbandonedPartials());

        Assert.False(File.Exists(crashed));
        Assert.True(await _store.ExistsAsync(kept, Ct));
    }
}
