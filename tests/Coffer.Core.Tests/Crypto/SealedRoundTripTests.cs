using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Core.Tests.Infrastructure;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// Sealing then opening gives back every byte, for the sizes around segment boundaries and for
/// any way the plaintext is cut into writes; the stored size is what <see cref="SealedFormat"/> says.
/// </summary>
public sealed class SealedRoundTripTests : IDisposable
{
    private const int S = SealedBlobs.S;
    private readonly SealedBlobs _blobs = new();

    public void Dispose() => _blobs.Dispose();

    public enum Chunking
    {
        Whole,
        SingleBytes,
        SegmentSized,
        Random,
    }

    public static TheoryData<int, Chunking> SizesAndChunkings()
    {
        var data = new TheoryData<int, Chunking>();
        foreach (var size in new[] { 0, 1, S - 1, S, S + 1, 2 * S - 1, 2 * S, 2 * S + 1, 37 * S + 5, 200 * S })
        {
            foreach (var chunking in Enum.GetValues<Chunking>())
                data.Add(size, chunking);
        }
        return data;
    }

    private static int[]? Chunks(Chunking chunking, int seed) => chunking switch
    {
        Chunking.Whole => null,
        Chunking.SingleBytes => [1],
        Chunking.SegmentSized => [S],
        _ => Enumerable.Range(0, 64).Select(i => new Random(seed + i).Next(0, 3 * S)).ToArray(),
    };

    [Theory]
    [MemberData(nameof(SizesAndChunkings))]
    public async Task SealThenOpen_AnySizeAnyChunking_RoundTripsWithFormatLengths(int size, Chunking chunking)
    {
        var content = RandomBytes(size, seed: size);

        var blob = await _blobs.SealAsync(content, chunks: Chunks(chunking, size));

        var stored = _blobs.StoredBytes(blob);
        var segments = Math.Max(1, (size + S - 1) / S);
        Assert.Equal(SealedFormat.StoredLength(size, S), stored.Length);
        Assert.Equal(SealedFormat.HeaderSize + size + segments * SealedFormat.TagSize, stored.Length);
        Assert.Equal((size, segments), SealedFormat.PlainLength(stored.Length, S));
        Assert.Equal("CFRB"u8.ToArray(), stored[..4]);
        Assert.Equal(S, SealedFormat.SegmentSize(stored.AsSpan(0, SealedFormat.HeaderSize)));

        await using (var opened = await _blobs.OpenAsync(blob))
        {
            Assert.True(opened.CanSeek);
            Assert.False(opened.CanWrite);
            Assert.Equal(size, opened.Length);
            Assert.Equal(content, await Reads.ReadAllAsync(opened, bufferSize: 1000));
            Assert.Equal(size, opened.Position);
            Assert.Equal(0, await opened.ReadAsync(new byte[10], Ct));
        }
        await using (var opened = await _blobs.OpenAsync(blob))
            Assert.Equal(content, Reads.ReadAll(opened, bufferSize: S + 1));
    }

    [Fact]
    public async Task SealAsync_SameContentTwice_StoresDifferentBytes()
    {
        var content = RandomBytes(3 * S);

        var first = _blobs.StoredBytes(await _blobs.SealAsync(content));
        var second = _blobs.StoredBytes(await _blobs.SealAsync(content));

        Assert.Equal(first.Length, second.Length);
        Assert.NotEqual(first[SealedFormat.HeaderSize..], second[SealedFormat.HeaderSize..]);
        Assert.NotEqual(first[..SealedFormat.HeaderSize], second[..SealedFormat.HeaderSize]); // fresh nonce prefix
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64 * 1024 - 1)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(2 * 64 * 1024)]
    [InlineData(BlobPipeline.ChunkBytes + 1)]
    [InlineData(9 * 64 * 1024 + 12345)]
    public async Task PipelineStoreThenOpen_EncryptionOn_RoundTripsWithDefaultSegments(int size)
    {
        const int segment = 1 << SealedFormat.DefaultSegmentLog2;
        await using var h = await StartAsync();
        var content = RandomBytes(size, seed: size);
        await using var s = h.Scope();
        var pipeline = s.Get<BlobPipeline>();
        var vault = s.Get<IKeyVault>();

        var stored = await pipeline.StoreAsync(Guid.NewGuid(), new ScriptedStream(content, maxReadBytes: 7919), maxBytes: 0, Ct);

        Assert.Equal(size, stored.Size);
        Assert.Equal(Sha256Hex(content), stored.Sha256);
        Assert.NotNull(vault.ActiveKeyId);
        Assert.Equal(vault.ActiveKeyId, stored.KeyId);
        Assert.Equal(SealedFormat.NonceSize + SealedFormat.KeySize + SealedFormat.TagSize, stored.WrappedKey!.Length);
        Assert.Equal(SealedFormat.StoredLength(size, segment), new FileInfo(h.BlobPath(stored.Key)).Length);
        await using var opened = await pipeline.OpenAsync(ToBlob(stored), Ct);
        Assert.Equal(size, opened.Length);
        Assert.Equal(content, await Reads.ReadAllAsync(opened, bufferSize: 81920));
    }

    internal static Blob ToBlob(StoredBlob stored) => new()
    {
        Id = stored.Id,
        StoreKey = stored.Key,
        Size = stored.Size,
        KeyId = stored.KeyId,
        WrappedKey = stored.WrappedKey,
    };
}
