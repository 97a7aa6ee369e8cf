using System.Security.Cryptography;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Microsoft.Extensions.Logging.Abstractions;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// Blobs sealed by <see cref="SealingBlobWriter"/> into a real <see cref="LocalBlobStore"/> in a
/// temporary folder, with small segments (1 KiB by default) so many-segment cases stay fast, and
/// opened again by <see cref="OpeningStream"/>. Stored files can be read and rewritten to tamper with them.
/// </summary>
internal sealed class SealedBlobs : IDisposable
{
    public const int SmallLog2 = 10;
    public const int S = 1 << SmallLog2;

    public SealedBlobs()
    {
        Root = Directory.CreateTempSubdirectory("coffer-core-tests-").FullName;
        Store = new LocalBlobStore(Root, NullLogger<LocalBlobStore>.Instance);
    }

    public string Root { get; }

    public LocalBlobStore Store { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    public sealed record Sealed(string Key, byte[] DataKey, int SegmentSize, long PlainLength);

    /// <summary>
    /// Seals <paramref name="content"/> under a fresh data key, written in the chunk sizes of
    /// <paramref name="chunks"/> (cycled; zeros are empty writes), all at once when there are none.
    /// </summary>
    public async Task<Sealed> SealAsync(byte[] content, int segmentLog2 = SmallLog2, IReadOnlyList<int>? chunks = null)
    {
        var key = BlobKey.For(Guid.CreateVersion7(), Guid.CreateVersion7());
        var dataKey = RandomNumberGenerator.GetBytes(SealedFormat.KeySize);
        var wholeOnly = chunks is null || chunks.All(c => c <= 0);
        await using (var writer = new SealingBlobWriter(await Store.BeginWriteAsync(key, Ct), dataKey, SealedFormat.NewHeader(segmentLog2)))
        {
            var offset = 0;
            var i = 0;
            while (offset < content.Length)
            {
                var n = wholeOnly ? content.Length : Math.Min(Math.Max(0, chunks![i++ % chunks.Count]), content.Length - offset);
                await writer.WriteAsync(content.AsMemory(offset, n), Ct);
                offset += n;
            }
            await writer.CompleteAsync(Ct);
        }
        return new Sealed(key, dataKey, 1 << segmentLog2, content.Length);
    }

    public string PathOf(Sealed blob) => Path.Combine(Root, blob.Key);

    public byte[] StoredBytes(Sealed blob) => File.ReadAllBytes(PathOf(blob));

    public void Overwrite(Sealed blob, byte[] stored) => File.WriteAllBytes(PathOf(blob), stored);

    /// <summary>Opens the stored blob through the store, optionally through <paramref name="wrap"/> (a counting stream).</summary>
    public async Task<Stream> OpenAsync(Sealed blob, Func<Stream, Stream>? wrap = null, byte[]? dataKey = null)
    {
        var stored = await Store.OpenReadAsync(blob.Key, Ct);
        return await OpeningStream.OpenAsync(wrap is null ? stored : wrap(stored), dataKey ?? blob.DataKey, Ct, blob.Key);
    }

    /// <summary>Opens stored bytes held in memory (for exhaustive tampering loops).</summary>
    public static Task<Stream> OpenBytesAsync(byte[] stored, byte[] dataKey) =>
        OpeningStream.OpenAsync(new MemoryStream(stored, writable: false), dataKey, Ct, "tampered");

    /// <summary>Segment <paramref name="index"/> as stored (ciphertext and tag): offset and length in the stored file.</summary>
    public static (int Offset, int Length) SegmentRange(long plainLength, int segmentSize, int index)
    {
        var offset = SealedFormat.HeaderSize + index * (segmentSize + SealedFormat.TagSize);
        var plain = (int)Math.Min(segmentSize, plainLength - (long)index * segmentSize);
        return (offset, plain + SealedFormat.TagSize);
    }

    public static byte[] FlipBit(byte[] bytes, int offset, int bit = 0) => Xor(bytes, offset, (byte)(1 << bit));

    /// <summary>A copy of <paramref name="bytes"/> with the byte at <paramref name="offset"/> xor-ed with <paramref name="mask"/>.</summary>
    public static byte[] Xor(byte[] bytes, int offset, byte mask)
    {
        var copy = (byte[])bytes.Clone();
        copy[offset] ^= mask;
        return copy;
    }
}

/// <summary>Reading helpers that tell "failed" apart from "returned bytes", and never hide a short read.</summary>
internal static class Reads
{
    public static async Task<byte[]> ReadAllAsync(Stream stream, int bufferSize = 4096)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = await stream.ReadAsync(buffer, Ct)) > 0)
            copy.Write(buffer, 0, n);
        return copy.ToArray();
    }

    public static byte[] ReadAll(Stream stream, int bufferSize = 4096)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            copy.Write(buffer, 0, n);
        return copy.ToArray();
    }

    /// <summary>
    /// Reads <paramref name="length"/> bytes from the current position (fewer only at the end) the
    /// way a Range response does: read until done or the stream ends, in reads of at most <paramref name="bufferSize"/>.
    /// </summary>
    public static async Task<byte[]> ReadUpToAsync(Stream stream, int length, bool async, int bufferSize)
    {
        var result = new byte[length];
        var got = 0;
        while (got < length)
        {
            var want = Math.Min(bufferSize, length - got);
            var n = async ? await stream.ReadAsync(result.AsMemory(got, want), Ct) : stream.Read(result, got, want);
            if (n == 0)
                break;
            got += n;
        }
        return result[..got];
    }

    /// <summary>
    /// A damaged blob must fail: either opening throws <see cref="BlobIntegrityException"/>, or a
    /// read does, and every byte returned before that is the true content (a prefix of it).
    /// Checked with asynchronous and synchronous reads.
    /// </summary>
    public static async Task AssertFailsWithoutWrongBytesAsync(Func<Task<Stream>> open, byte[] content, string what)
    {
        foreach (var async in new[] { true, false })
        {
            var delivered = new MemoryStream();
            Exception? error = null;
            try
            {
                await using var stream = await open();
                var buffer = new byte[1000]; // not a divisor of the segment size: reads straddle segments
                int n;
                while ((n = async ? await stream.ReadAsync(buffer, Ct) : stream.Read(buffer, 0, buffer.Length)) > 0)
                    delivered.Write(buffer, 0, n);
            }
            catch (Exception e)
            {
                error = e;
            }
            var bytes = delivered.ToArray();
            Assert.True(error is BlobIntegrityException,
                $"{what} ({(async ? "async" : "sync")} reads): expected BlobIntegrityException, got " +
                (error is null ? $"a normal end after {bytes.Length} of {content.Length} bytes" : error.ToString()));
            Assert.True(bytes.Length <= content.Length && bytes.AsSpan().SequenceEqual(content.AsSpan(0, bytes.Length)),
                $"{what}: bytes returned before the failure are not the content.");
        }
    }
}

/// <summary>Counts the bytes and reads that go through to the stored stream it wraps.</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

    public int ReadCalls { get; private set; }

    public bool Disposed { get; private set; }

    public void Reset()
    {
        BytesRead = 0;
        ReadCalls = 0;
    }

    private int Count(int n)
    {
        BytesRead += n;
        ReadCalls++;
        return n;
    }

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Disposed = true;
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>A real store whose read streams count what is read through them (the last one opened is kept).</summary>
internal sealed class CountingBlobStore(IBlobStore inner) : IBlobStore
{
    public CountingStream? LastOpened { get; private set; }

    public Task<IBlobWriter> BeginWriteAsync(string key, CancellationToken cancellationToken) => inner.BeginWriteAsync(key, cancellationToken);

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) =>
        LastOpened = new CountingStream(await inner.OpenReadAsync(key, cancellationToken));

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => inner.ExistsAsync(key, cancellationToken);

    public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public Task CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);
}
