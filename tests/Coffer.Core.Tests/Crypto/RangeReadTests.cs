using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Microsoft.Extensions.Options;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// A read decrypts only the segments it touches: the stored stream is wrapped in a counter, and a
/// 1-byte read anywhere in a 200-segment blob reads one segment of stored bytes, not the file.
/// </summary>
public sealed class RangeReadTests : IDisposable
{
    private const int S = SealedBlobs.S;
    private const int Stride = S + SealedFormat.TagSize;
    private readonly SealedBlobs _blobs = new();

    public void Dispose() => _blobs.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Read_OneByteAtTheEndOf200Segments_ReadsOnlyTheLastSegment(bool async)
    {
        var content = RandomBytes(200 * S - 10);
        var blob = await _blobs.SealAsync(content);
        CountingStream? counter = null;

        await using var opened = await _blobs.OpenAsync(blob, stored => counter = new CountingStream(stored));

        Assert.Equal(SealedFormat.HeaderSize, counter!.BytesRead); // opening reads the header only
        counter.Reset();
        opened.Seek(-1, SeekOrigin.End);
        var one = await Reads.ReadUpToAsync(opened, 1, async, 1);
        Assert.Equal(content[^1..], one);
        Assert.Equal(S - 10 + SealedFormat.TagSize, counter.BytesRead); // the last (short) segment, nothing else
        Assert.True(counter.BytesRead * 150 < counter.Length, $"Read {counter.BytesRead} of {counter.Length} stored bytes for one byte.");
    }

    [Fact]
    public async Task Read_RangesInside200Segments_ReadOnlyTheSegmentsTheyTouch()
    {
        var content = RandomBytes(200 * S);
        var blob = await _blobs.SealAsync(content);
        CountingStream? counter = null;
        await using var opened = await _blobs.OpenAsync(blob, stored => counter = new CountingStream(stored));

        counter!.Reset();
        opened.Position = 100 * S + 5;
        Assert.Equal(content[(100 * S + 5)..(100 * S + 6)], await Reads.ReadUpToAsync(opened, 1, async: true, 1));
        Assert.Equal(Stride, counter.BytesRead);

        counter.Reset();
        opened.Position = 100 * S + 700; // same segment: served from the one cached segment
        Assert.Equal(content[(100 * S + 700)..(100 * S + 800)], await Reads.ReadUpToAsync(opened, 100, async: true, 100));
        Assert.Equal(0, counter.BytesRead);

        counter.Reset();
        opened.Position = 50 * S - 10; // straddles segments 49 and 50
        Assert.Equal(content[(50 * S - 10)..(50 * S + 10)], await Reads.ReadUpToAsync(opened, 20, async: false, 4096));
        Assert.Equal(2 * Stride, counter.BytesRead);

        counter.Reset();
        opened.Position = 0;
        Assert.Equal(content[..S], await Reads.ReadUpToAsync(opened, S, async: true, S));
        Assert.Equal(Stride, counter.BytesRead);

        counter.Reset();
        opened.Position = content.Length + 5; // past the end: nothing to read, nothing read
        Assert.Empty(await Reads.ReadUpToAsync(opened, 10, async: true, 10));
        Assert.Equal(0, counter.BytesRead);
    }

    [Fact]
    public async Task PipelineOpenAsync_OneByteAtTheEnd_ReadsHeaderAndOneDefaultSegment()
    {
        const int segment = 1 << SealedFormat.DefaultSegmentLog2;
        await using var h = await StartAsync();
        await using var s = h.Scope();
        var store = new CountingBlobStore(s.Get<IBlobStore>());
        var pipeline = new BlobPipeline(store, s.Get<IKeyVault>(), Options.Create(new EncryptionOptions()));
        var content = RandomBytes(40 * segment - 3);
        var stored = await pipeline.StoreAsync(Guid.NewGuid(), new MemoryStream(content), maxBytes: 0, Ct);

        await using var opened = await pipeline.OpenAsync(SealedRoundTripTests.ToBlob(stored), Ct);
        opened.Seek(-1, SeekOrigin.End);
        var one = await Reads.ReadUpToAsync(opened, 1, async: true, 1);

        Assert.Equal(content[^1..], one);
        var counter = store.LastOpened!;
        Assert.Equal(SealedFormat.HeaderSize + (segment - 3) + SealedFormat.TagSize, counter.BytesRead);
        Assert.True(counter.ReadCalls <= 3, $"{counter.ReadCalls} reads of the stored stream for one byte.");
        Assert.Equal(SealedFormat.StoredLength(content.Length, segment), counter.Length);
    }
}
