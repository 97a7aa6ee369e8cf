using System.Buffers.Binary;
using System.IO.Compression;
using Coffer.Core.Shares;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Shares;

/// <summary>
/// The zip writer on a forward-only stream, as a share's zip is sent: entries of any size, and
/// ZIP64 once an entry or the archive passes 4 GiB. The big case streams 4 GiB + 1 of zeros into a
/// stream that counts and keeps only the tail, then reads the central directory from that tail.
/// </summary>
public sealed class ShareZipTests
{
    private const long FourGiB = 4L * 1024 * 1024 * 1024;

    [Fact]
    public async Task SmallEntries_ReadBackFromAForwardOnlyStream()
    {
        var sink = new ForwardOnlyStream(keepAll: true);
        ZipSource[] sources =
        [
            new("a.txt", DateTimeOffset.UnixEpoch.AddYears(40), "text/plain", _ => Task.FromResult<Stream?>(new MemoryStream("alpha"u8.ToArray()))),
            new("img.png", DateTimeOffset.UnixEpoch.AddYears(40), "image/png", _ => Task.FromResult<Stream?>(new MemoryStream(new byte[100]))),
            new("empty/", DateTimeOffset.UnixEpoch.AddYears(40), null, null),
        ];

        await ZipStreamer.WriteAsync(sink, ZipStreamer.Of(sources), CancellationToken.None);

        using var zip = new ZipArchive(new MemoryStream(sink.Kept.ToArray()));
        Assert.Equal(["a.txt", "img.png", "empty/"], zip.Entries.Select(e => e.FullName));
        using var reader = new StreamReader(zip.GetEntry("a.txt")!.Open());
        Assert.Equal("alpha", await reader.ReadToEndAsync());
        Assert.Equal(100, zip.GetEntry("img.png")!.CompressedLength); // stored: images are compressed already
    }

    [Fact]
    public async Task AFileGoneSinceTheListing_IsLeftOut_AndTheZipCompletes()
    {
        var sink = new ForwardOnlyStream(keepAll: true);
        ZipSource[] sources =
        [
            new("kept.txt", DateTimeOffset.UnixEpoch.AddYears(40), "text/plain", _ => Task.FromResult<Stream?>(new MemoryStream("kept"u8.ToArray()))),
            new("deleted.txt", DateTimeOffset.UnixEpoch.AddYears(40), "text/plain", _ => Task.FromResult<Stream?>(null)),
            new("after.txt", DateTimeOffset.UnixEpoch.AddYears(40), "text/plain", _ => Task.FromResult<Stream?>(new MemoryStream("after"u8.ToArray()))),
        ];

        await ZipStreamer.WriteAsync(sink, ZipStreamer.Of(sources), CancellationToken.None);

        using var zip = new ZipArchive(new MemoryStream(sink.Kept.ToArray()));
        Assert.Equal(["kept.txt", "after.txt"], zip.Entries.Select(e => e.FullName));
    }

    [Fact]
    public async Task AnEntryOverFourGiB_IsWrittenAsZip64()
    {
        var sink = new ForwardOnlyStream(keepAll: false);
        var size = FourGiB + 1;
        ZipSource[] sources =
        [
            new("small.txt", DateTimeOffset.UnixEpoch.AddYears(40), "text/plain", _ => Task.FromResult<Stream?>(new MemoryStream("x"u8.ToArray()))),
            new("huge.bin", DateTimeOffset.UnixEpoch.AddYears(40), "video/mp4", _ => Task.FromResult<Stream?>(new GeneratedStream(size))),
            new("after.txt", DateTimeOffset.UnixEpoch.AddYears(40), "text/plain", _ => Task.FromResult<Stream?>(new MemoryStream("y"u8.ToArray()))),
        ];

        await ZipStreamer.WriteAsync(sink, ZipStreamer.Of(sources), CancellationToken.None);

        Assert.True(sink.Length > FourGiB);
        var tail = sink.Tail;
        var tailStart = sink.Length - tail.Length;
        // End of central directory (no comment): 22 bytes at the very end; ZIP64 marks its offsets 0xFFFFFFFF.
        var eocd = tail.AsSpan(tail.Length - 22);
        Assert.Equal(0x06054b50u, BinaryPrimitives.ReadUInt32LittleEndian(eocd));
        // ZIP64 end of central directory locator right before it, pointing at the ZIP64 end record.
        var locator = tail.AsSpan(tail.Length - 42, 20);
        Assert.Equal(0x07064b50u, BinaryPrimitives.ReadUInt32LittleEndian(locator));
        var zip64EndOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        var zip64End = tail.AsSpan((int)(zip64EndOffset - tailStart));
        Assert.Equal(0x06064b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip64End));
        var entryCount = BinaryPrimitives.ReadUInt64LittleEndian(zip64End[32..]);
        var directoryOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(zip64End[48..]);
        Assert.Equal(3ul, entryCount);
        Assert.True(directoryOffset > FourGiB);

        var entries = ReadCentralDirectory(tail.AsSpan((int)(directoryOffset - tailStart)), (int)entryCount);
        Assert.Equal(["small.txt", "huge.bin", "after.txt"], entries.Select(e => e.Name));
        var huge = entries[1];
        Assert.Equal(size, huge.UncompressedSize);
        Assert.Equal(size, huge.CompressedSize);
        Assert.True(entries[2].LocalHeaderOffset > FourGiB, "the entry after the big one starts past 4 GiB");
    }

    [Fact]
    public async Task VisitorLeaving_StopsTheZipBeforeTheNextFileIsOpened()
    {
        using var leaving = new CancellationTokenSource();
        var opened = new List<string>();
        ZipSource Source(string name, Action? whileRead = null) => new(name, DateTimeOffset.UnixEpoch.AddYears(40), "text/plain", _ =>
        {
            opened.Add(name);
            whileRead?.Invoke();
            return Task.FromResult<Stream?>(new GeneratedStream(100_000));
        });

        var writing = ZipStreamer.WriteAsync(new ForwardOnlyStream(keepAll: false),
            ZipStreamer.Of([Source("1.bin"), Source("2.bin", leaving.Cancel), Source("3.bin")], leaving.Token), leaving.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing);
        Assert.Equal(["1.bin", "2.bin"], opened);
    }

    private sealed record CentralEntry(string Name, long CompressedSize, long UncompressedSize, long LocalHeaderOffset);

    /// <summary>Central directory headers, with the ZIP64 extra field (0x0001) read where a 32-bit field says 0xFFFFFFFF.</summary>
    private static List<CentralEntry> ReadCentralDirectory(ReadOnlySpan<byte> data, int count)
    {
        var entries = new List<CentralEntry>();
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var header = data[at..];
            Assert.Equal(0x02014b50u, BinaryPrimitives.ReadUInt32LittleEndian(header));
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
            var name = System.Text.Encoding.UTF8.GetString(header.Slice(46, nameLength));
            var extra = header.Slice(46 + nameLength, extraLength);
            while (extra.Length >= 4)
            {
                var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
                var length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
                if (id == 1)
                {
                    var field = extra.Slice(4, length);
                    if (uncompressed == uint.MaxValue) { uncompressed = (long)BinaryPrimitives.ReadUInt64LittleEndian(field); field = field[8..]; }
                    if (compressed == uint.MaxValue) { compressed = (long)BinaryPrimitives.ReadUInt64LittleEndian(field); field = field[8..]; }
                    if (offset == uint.MaxValue) { offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(field); }
                }
                extra = extra[(4 + length)..];
            }
            entries.Add(new CentralEntry(name, compressed, uncompressed, offset));
            at += 46 + nameLength + extraLength + commentLength;
        }
        return entries;
    }

    /// <summary>A write-only, non-seekable, async-only stream like a response body: counts everything, keeps all or only the last 1 MiB.</summary>
    private sealed class ForwardOnlyStream(bool keepAll) : Stream
    {
        private const int TailSize = 1 << 20;
        private readonly byte[] _ring = new byte[TailSize];
        private long _length;

        public MemoryStream Kept { get; } = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        /// <summary>The last bytes written (up to 1 MiB), in order.</summary>
        public byte[] Tail
        {
            get
            {
                var size = (int)Math.Min(_length, TailSize);
                var result = new byte[size];
                var start = (int)((_length - size) % TailSize);
                var first = Math.Min(size, TailSize - start);
                Array.Copy(_ring, start, result, 0, first);
                Array.Copy(_ring, 0, result, first, size - first);
                return result;
            }
        }

        /// <summary>Like Kestrel's response body: synchronous writes are refused.</summary>
        public override void Write(byte[] buffer, int offset, int count) =>
            throw new InvalidOperationException("Synchronous operations are disallowed.");

        private void Append(ReadOnlySpan<byte> buffer)
        {
            if (keepAll)
                Kept.Write(buffer);
            var span = buffer.Length > TailSize ? buffer[^TailSize..] : buffer;
            _length += buffer.Length - span.Length;
            while (span.Length > 0)
            {
                var at = (int)(_length % TailSize);
                var n = Math.Min(span.Length, TailSize - at);
                span[..n].CopyTo(_ring.AsSpan(at));
                _length += n;
                span = span[n..];
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Append(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Append(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
