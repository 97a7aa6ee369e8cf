using System.Security.Cryptography;
using Coffer.Core.Blobs;

namespace Coffer.Storage.Tests;

/// <summary>
/// What every <see cref="IBlobStore"/> must do, written once and run on each store by a subclass.
/// A store that streams in parts is set up with <see cref="PartSize"/>-byte parts, so the sizes
/// below cross part boundaries.
/// </summary>
public abstract class BlobStoreContract : IAsyncLifetime
{
    protected const int MiB = 1024 * 1024;

    /// <summary>The part size the subclass gives its store (5 MiB, S3's smallest).</summary>
    protected const int PartSize = 5 * MiB;

    private IBlobStore? _store;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>A fresh, empty store for this test (S3: a prefix of its own).</summary>
    protected abstract Task<IBlobStore> CreateStoreAsync();

    /// <summary>What the store keeps that is not a blob yet: partial files, multipart uploads.</summary>
    protected abstract Task<IReadOnlyList<string>> LeftoversAsync();

    /// <summary>Bytes and requests the store took from the network since <see cref="ResetTraffic"/>; null for a local store.</summary>
    protected virtual (long Bytes, int Requests)? Traffic => null;

    protected virtual void ResetTraffic()
    {
    }

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async ValueTask InitializeAsync() => _store = await CreateStoreAsync();

    public async ValueTask DisposeAsync()
    {
        await CleanUpAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The listed time is when the blob was written, by the store's clock: allowed a few minutes of
    /// skew from ours and the store's rounding (S3 keeps whole seconds), not a day or a default value.
    /// </summary>
    private static void AssertWrittenAround(DateTimeOffset before, DateTimeOffset listed)
    {
        var skew = TimeSpan.FromMinutes(5);
        Assert.InRange(listed, before - skew, DateTimeOffset.UtcNow + skew);
    }

    protected static string NewKey(Guid? owner = null) => BlobKey.For(owner ?? Guid.CreateVersion7(), Guid.CreateVersion7());

    protected static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="content"/> in uneven chunks (so chunks straddle part boundaries) and completes.</summary>
    protected async Task WriteAsync(string key, byte[] content)
    {
        await using var writer = await Store.BeginWriteAsync(key, Ct);
        await WriteChunksAsync(writer, content);
        await writer.CompleteAsync(Ct);
    }

    protected static async Task WriteChunksAsync(IBlobWriter writer, ReadOnlyMemory<byte> content)
    {
        int[] sizes = [1, 777, 64 * 1024, 1 * MiB + 3, 3 * MiB - 1];
        for (var i = 0; !content.IsEmpty; i++)
        {
            var take = Math.Min(sizes[i % sizes.Length], content.Length);
            await writer.WriteAsync(content[..take], Ct);
            content = content[take..];
        }
    }

    protected async Task<byte[]> ReadAllAsync(string key)
    {
        await using var stream = await Store.OpenReadAsync(key, Ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    private async Task<List<StoredObject>> ListAsync(string prefix)
    {
        var list = new List<StoredObject>();
        await foreach (var item in Store.ListAsync(prefix, Ct))
            list.Add(item);
        return list;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    [InlineData(PartSize)]
    [InlineData(PartSize + 1)]
    [InlineData(2 * PartSize + 12_345)]
    public async Task CompletedWrite_ReadsBackTheSameBytes(int length)
    {
        var key = NewKey();
        var content = RandomBytes(length);

        await WriteAsync(key, content);

        Assert.True(await Store.ExistsAsync(key, Ct));
        Assert.Equal(content, await ReadAllAsync(key));
        await using var stream = await Store.OpenReadAsync(key, Ct);
        Assert.True(stream.CanRead);
        Assert.True(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Equal(length, stream.Length);
    }

    [Fact]
    public async Task EmptyBlob_RoundTrips()
    {
        var before = DateTimeOffset.UtcNow;
        var key = NewKey();
        await using (var writer = await Store.BeginWriteAsync(key, Ct))
            await writer.CompleteAsync(Ct);

        Assert.True(await Store.ExistsAsync(key, Ct));
        Assert.Empty(await ReadAllAsync(key));
        var listed = Assert.Single(await ListAsync(""));
        Assert.Equal((key, 0L), (listed.Key, listed.Size));
        AssertWrittenAround(before, listed.LastModified);
    }

    [Fact]
    public async Task LargeBlob_StreamedInParts_RoundTripsWithTheSameHash()
    {
        var key = NewKey();
        var content = RandomBytes(20 * MiB + 4321);

        await WriteAsync(key, content);

        await using var stream = await Store.OpenReadAsync(key, Ct);
        Assert.Equal(content.Length, stream.Length);
        Assert.Equal(SHA256.HashData(content), await SHA256.HashDataAsync(stream, Ct));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task Seek_ThenRead_ReturnsThatRangeAndFetchesOnlyWhatIsRead()
    {
        var key = NewKey();
        var content = RandomBytes(2 * PartSize + 1000);
        await WriteAsync(key, content);
        await using var stream = await Store.OpenReadAsync(key, Ct);
        ResetTraffic();

        // The last byte: what a Range request for the end (or a sealed blob's last segment) does.
        stream.Seek(-1, SeekOrigin.End);
        var last = new byte[1];
        await stream.ReadExactlyAsync(last, Ct);
        Assert.Equal(content[^1], last[0]);
        Assert.Equal(0, await stream.ReadAsync(new byte[10], Ct));
        if (Traffic is { } afterLast)
        {
            Assert.Equal(1, afterLast.Requests);
            Assert.True(afterLast.Bytes < 64 * 1024, $"reading 1 byte fetched {afterLast.Bytes} bytes");
        }

        // A range in the middle, read in two sequential pieces: one request, about that many bytes.
        stream.Position = PartSize - 500;
        var middle = new byte[3000];
        await stream.ReadExactlyAsync(middle.AsMemory(0, 1000), Ct);
        await stream.ReadExactlyAsync(middle.AsMemory(1000), Ct);
        Assert.Equal(content[(PartSize - 500)..(PartSize + 2500)], middle);
        Assert.Equal(PartSize + 2500, stream.Position);
        if (Traffic is { } afterMiddle)
        {
            Assert.Equal(2, afterMiddle.Requests);
            Assert.True(afterMiddle.Bytes < 64 * 1024, $"reading 3 KB of 10 MB fetched {afterMiddle.Bytes} bytes");
        }

        // Back to the start.
        stream.Seek(0, SeekOrigin.Begin);
        var head = new byte[10];
        await stream.ReadExactlyAsync(head, Ct);
        Assert.Equal(content[..10], head);

        // Past the end reads nothing and asks nothing.
        ResetTraffic();
        stream.Position = content.Length + 100;
        Assert.Equal(0, await stream.ReadAsync(new byte[10], Ct));
        if (Traffic is { } afterEnd)
            Assert.Equal(0, afterEnd.Requests);
    }

    [Fact]
    public async Task Delete_RemovesTheBlob_AndMissingIsFine()
    {
        var key = NewKey();
        await WriteAsync(key, RandomBytes(1000));

        await Store.DeleteAsync(key, Ct);

        Assert.False(await Store.ExistsAsync(key, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(key, Ct));
        Assert.Empty(await ListAsync(""));
        await Store.DeleteAsync(key, Ct);
        await Store.DeleteAsync(NewKey(), Ct);
    }

    [Fact]
    public async Task OpenRead_Missing_ThrowsBlobNotFound()
    {
        Assert.False(await Store.ExistsAsync(NewKey(), Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(NewKey(), Ct));
    }

    [Fact]
    public async Task List_ByOwnerPrefix_ReturnsCompletedBlobsWithSizes_NotOnesBeingWritten()
    {
        var alice = Guid.CreateVersion7();
        var bob = Guid.CreateVersion7();
        var a1 = NewKey(alice);
        var a2 = NewKey(alice);
        var b1 = NewKey(bob);
        var before = DateTimeOffset.UtcNow;
        await WriteAsync(a1, RandomBytes(10));
        await WriteAsync(a2, RandomBytes(PartSize + 5));
        await WriteAsync(b1, RandomBytes(3));

        await using var pending = await Store.BeginWriteAsync(NewKey(alice), Ct);
        await WriteChunksAsync(pending, RandomBytes(PartSize + 100)); // far enough to have started a multipart upload

        var listed = (await ListAsync($"u/{alice:N}/")).OrderBy(o => o.Key).ToList();
        Assert.Equal(
            new[] { (a1, 10L), (a2, (long)PartSize + 5) }.OrderBy(o => o.Item1),
            listed.Select(o => (o.Key, o.Size)));
        Assert.All(listed, o => AssertWrittenAround(before, o.LastModified));
        Assert.Equal(
            new[] { a1, a2, b1 }.Order(),
            (await ListAsync("")).Select(o => o.Key).Order());
        Assert.Empty(await ListAsync($"u/{Guid.CreateVersion7():N}/"));
    }

    [Fact]
    public async Task Exists_OnlyAfterComplete()
    {
        var key = NewKey();
        await using var writer = await Store.BeginWriteAsync(key, Ct);
        await WriteChunksAsync(writer, RandomBytes(PartSize + 10));
        Assert.False(await Store.ExistsAsync(key, Ct));

        await writer.CompleteAsync(Ct);

        Assert.True(await Store.ExistsAsync(key, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(2 * PartSize + 10)]
    public async Task DisposeWithoutComplete_LeavesNothing(int written)
    {
        var key = NewKey();

        await using (var writer = await Store.BeginWriteAsync(key, Ct))
            await WriteChunksAsync(writer, RandomBytes(written));

        Assert.False(await Store.ExistsAsync(key, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(key, Ct));
        Assert.Empty(await ListAsync(""));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task SourceFailsMidStream_LeavesNothing()
    {
        var key = NewKey();

        var thrown = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await using var writer = await Store.BeginWriteAsync(key, Ct);
            await WriteChunksAsync(writer, RandomBytes(PartSize + PartSize / 2));
            throw new InvalidDataException("the client went away");
        });

        Assert.Equal("the client went away", thrown.Message);
        Assert.False(await Store.ExistsAsync(key, Ct));
        Assert.Empty(await ListAsync(""));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task CancelledWrite_Throws_AndLeavesNothing()
    {
        var key = NewKey();
        using var cancel = new CancellationTokenSource();

        await using (var writer = await Store.BeginWriteAsync(key, Ct))
        {
            await WriteChunksAsync(writer, RandomBytes(PartSize + 100));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.WriteAsync(RandomBytes(PartSize), cancel.Token));
        }

        Assert.False(await Store.ExistsAsync(key, Ct));
        Assert.Empty(await ListAsync(""));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task CancelledComplete_Throws_AndLeavesNothing()
    {
        var key = NewKey();
        using var cancel = new CancellationTokenSource();

        await using (var writer = await Store.BeginWriteAsync(key, Ct))
        {
            await WriteChunksAsync(writer, RandomBytes(PartSize + 100));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.CompleteAsync(cancel.Token));
        }

        Assert.False(await Store.ExistsAsync(key, Ct));
        Assert.Empty(await ListAsync(""));
        Assert.Empty(await LeftoversAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.txt")]
    [InlineData("../escape")]
    [InlineData("u/../../etc/passwd")]
    [InlineData("u/0123456789abcdef0123456789abcdef/../../../x")]
    [InlineData("/u/0123456789abcdef0123456789abcdef/0123456789abcdef0123456789abcdef")]
    [InlineData("u/0123456789ABCDEF0123456789ABCDEF/0123456789abcdef0123456789abcdef")]
    [InlineData("u/0123456789abcdef0123456789abcdef/0123456789abcdef0123456789abcdef/x")]
    [InlineData("u/0123456789abcdef0123456789abcdef/0123456789abcdef0123456789abcdef ")]
    [InlineData("u\\0123456789abcdef0123456789abcdef\\0123456789abcdef0123456789abcdef")]
    public async Task AnyOperation_KeyNotMadeByBlobKey_ThrowsArgumentException(string key)
    {
        Assert.False(BlobKey.IsValid(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.BeginWriteAsync(key, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(key, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(key, Ct));
        Assert.Empty(await ListAsync(""));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task CheckHealth_ReachableStore_Passes() => await Store.CheckHealthAsync(Ct);

    /// <summary>A class other than the default one that the store under test offers (COLD, STANDARD_IA).</summary>
    protected abstract string ColderClass { get; }

    /// <summary>Where the store says (behind its own back) the blob is: its directory, or its object's class on a HEAD.</summary>
    protected abstract Task<string> StoredClassAsync(string key);

    [Fact]
    public async Task MoveToAnotherStorageClass_SameBytesEverywhere_AndBackAgain()
    {
        var classes = Assert.IsAssignableFrom<IStorageClassStore>(Store);
        Assert.True(classes.IsSupported(ColderClass));
        Assert.True(classes.IsSupported(classes.DefaultStorageClass));
        var key = NewKey();
        var content = RandomBytes(2 * PartSize + 12345); // written in parts where the store has parts
        await WriteAsync(key, content);
        Assert.Equal(classes.DefaultStorageClass, await StoredClassAsync(key));

        await classes.MoveAsync(key, ColderClass, Ct);

        Assert.Equal(ColderClass, await StoredClassAsync(key));
        Assert.Equal(ColderClass, await classes.StorageClassOfAsync(key, Ct));
        Assert.Equal(content, await ReadAllAsync(key));
        await using (var stream = await Store.OpenReadAsync(key, Ct))
        {
            stream.Seek(PartSize - 5, SeekOrigin.Begin); // a range across a part boundary
            var range = new byte[100];
            await stream.ReadExactlyAsync(range, Ct);
            Assert.Equal(content.AsSpan(PartSize - 5, 100).ToArray(), range);
        }
        Assert.True(await Store.ExistsAsync(key, Ct));
        var listed = Assert.Single(await ListAsync("")); // once, though it moved
        Assert.Equal(key, listed.Key);
        Assert.True(listed.Size >= content.Length);

        await classes.MoveAsync(key, ColderClass, Ct); // already there: nothing to do
        Assert.Equal(ColderClass, await StoredClassAsync(key));

        await classes.MoveAsync(key, classes.DefaultStorageClass, Ct);
        Assert.Equal(classes.DefaultStorageClass, await StoredClassAsync(key));
        Assert.Equal(content, await ReadAllAsync(key));
        Assert.Single(await ListAsync(""));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task MovedBlob_Deleted_IsGoneFromEveryClass()
    {
        var classes = (IStorageClassStore)Store;
        var key = NewKey();
        await WriteAsync(key, RandomBytes(1000));
        await classes.MoveAsync(key, ColderClass, Ct);

        await Store.DeleteAsync(key, Ct);

        Assert.False(await Store.ExistsAsync(key, Ct));
        Assert.Empty(await ListAsync(""));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(key, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => classes.MoveAsync(key, classes.DefaultStorageClass, Ct));
    }

    [Fact]
    public async Task MoveEmptyBlob_StaysEmpty()
    {
        var classes = (IStorageClassStore)Store;
        var key = NewKey();
        await WriteAsync(key, []);
        await classes.MoveAsync(key, ColderClass, Ct);
        Assert.Equal(ColderClass, await StoredClassAsync(key));
        Assert.Empty(await ReadAllAsync(key));
    }

    [Fact]
    public async Task Move_MissingBlob_ThrowsBlobNotFound()
    {
        var classes = (IStorageClassStore)Store;
        await Assert.ThrowsAsync<BlobNotFoundException>(() => classes.MoveAsync(NewKey(), ColderClass, Ct));
    }
}
