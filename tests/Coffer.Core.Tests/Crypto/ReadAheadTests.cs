using Coffer.Core.Crypto;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// Once a few segments are read in order, the next ones are decrypted ahead on another thread.
/// That must change nothing a reader can see: the same bytes, the same failure at the same
/// place, seeks that still land, a bounded amount read ahead, and a clean stop on dispose.
/// </summary>
public sealed class ReadAheadTests : IDisposable
{
    private const int S = SealedBlobs.S;
    private const int Stride = S + SealedFormat.TagSize;
    private readonly SealedBlobs _blobs = new();

    public void Dispose() => _blobs.Dispose();

    [Theory]
    [InlineData(S)] // one segment per read: the read-ahead hands over every segment
    [InlineData(3 * S + 7)] // reads straddling several segments
    [InlineData(100)]
    public async Task ReadAll_ThroughTheReadAhead_ReturnsTheContent(int bufferSize)
    {
        var content = RandomBytes(300 * S + 123);
        var blob = await _blobs.SealAsync(content);

        await using var opened = await _blobs.OpenAsync(blob);

        Assert.Equal(content, await Reads.ReadAllAsync(opened, bufferSize));
    }

    [Fact]
    public async Task Seek_WhileReadingAhead_ReadsFromTheNewPlace()
    {
        var content = RandomBytes(100 * S);
        var blob = await _blobs.SealAsync(content);
        await using var opened = await _blobs.OpenAsync(blob);

        Assert.Equal(content[..(20 * S)], await Reads.ReadUpToAsync(opened, 20 * S, async: true, S));
        opened.Position = 5 * S + 3; // backwards
        Assert.Equal(content[(5 * S + 3)..(40 * S)], await Reads.ReadUpToAsync(opened, 35 * S - 3, async: true, 1000));
        opened.Position = 90 * S; // forwards, past what was read ahead
        Assert.Equal(content[(90 * S)..(91 * S)], await Reads.ReadUpToAsync(opened, S, async: false, 4096)); // a synchronous read stops it
        Assert.Equal(content[(91 * S)..], await Reads.ReadUpToAsync(opened, 9 * S, async: true, S));
    }

    [Fact]
    public async Task ReadAhead_ReadsABoundedNumberOfSegmentsAhead()
    {
        var content = RandomBytes(200 * S);
        var blob = await _blobs.SealAsync(content);
        CountingStream? counter = null;
        await using var opened = await _blobs.OpenAsync(blob, stored => counter = new CountingStream(stored));

        Assert.Equal(content[..(4 * S)], await Reads.ReadUpToAsync(opened, 4 * S, async: true, S));
        var settled = await SettledAsync(() => counter!.BytesRead);

        // Header, the four segments asked for, and at most a handful more: never the whole blob.
        Assert.InRange(settled, SealedFormat.HeaderSize + 4 * Stride, SealedFormat.HeaderSize + 12 * Stride);
    }

    [Fact]
    public async Task DamagedSegment_FoundAhead_FailsAtItsPlaceAndAgainOnRetry()
    {
        var content = RandomBytes(60 * S);
        var blob = await _blobs.SealAsync(content);
        var (offset, _) = SealedBlobs.SegmentRange(content.Length, S, 30);
        _blobs.Overwrite(blob, SealedBlobs.FlipBit(_blobs.StoredBytes(blob), offset + 10));
        await using var opened = await _blobs.OpenAsync(blob);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30)); // a hang would fail as a cancellation, not stall the run

        var buffer = new byte[S];
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(S, await opened.ReadAsync(buffer, timeout.Token));
            Assert.Equal(content[(i * S)..((i + 1) * S)], buffer);
        }
        var first = await Assert.ThrowsAsync<BlobIntegrityException>(async () => await opened.ReadAtLeastAsync(buffer, 1, cancellationToken: timeout.Token));
        var again = await Assert.ThrowsAsync<BlobIntegrityException>(async () => await opened.ReadAtLeastAsync(buffer, 1, cancellationToken: timeout.Token));

        Assert.Contains("segment 30 of 60", first.Message);
        Assert.Contains("segment 30 of 60", again.Message);
        Assert.Equal(30 * S, opened.Position);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dispose_WhileReadingAhead_StopsItAndClosesTheStoredStream(bool async)
    {
        var content = RandomBytes(400 * S);
        var blob = await _blobs.SealAsync(content);
        CountingStream? counter = null;
        var opened = await _blobs.OpenAsync(blob, stored => counter = new CountingStream(stored));
        Assert.Equal(content[..(5 * S)], await Reads.ReadUpToAsync(opened, 5 * S, async: true, S));

        if (async)
            await opened.DisposeAsync();
        else
            opened.Dispose();

        Assert.True(counter!.Disposed);
        var afterDispose = counter.BytesRead;
        await Task.Delay(100, Ct);
        Assert.Equal(afterDispose, counter.BytesRead); // nothing reads on after the stream is gone
    }

    /// <summary>The value once it has stopped changing (the read-ahead has filled its buffers and waits).</summary>
    private static async Task<long> SettledAsync(Func<long> value)
    {
        var last = value();
        for (var stable = 0; stable < 5;)
        {
            await Task.Delay(40, Ct);
            var now = value();
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
        return last;
    }
}
