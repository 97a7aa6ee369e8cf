using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace Coffer.Core.Shares;

/// <summary>
/// One entry of a streamed zip: a folder (name ends in '/') or a file opened only when its turn
/// comes; <see cref="Open"/> answers null for a file that went away since the listing, which is left out.
/// </summary>
public sealed record ZipSource(string Name, DateTimeOffset Modified, string? ContentType, Func<CancellationToken, Task<Stream?>>? Open)
{
    public bool IsDirectory => Open is null;
}

/// <summary>
/// Writes a zip straight onto a forward-only stream (an HTTP response): no temporary file, and
/// only one entry's copy buffer in memory. On a non-seekable stream <see cref="ZipArchive"/>
/// writes each entry's sizes in a data descriptor after its data, and switches to ZIP64 (64-bit
/// sizes in the descriptor and the central directory, a ZIP64 end record) as soon as an entry or
/// an offset passes 4 GiB; ShareZipTests prove that with more than 4 GiB streamed through.
/// </summary>
public static class ZipStreamer
{
    /// <summary>Types that are compressed already: storing them costs nothing and saves the CPU.</summary>
    private static readonly string[] CompressedPrefixes = ["image/", "video/", "audio/"];

    private static readonly HashSet<string> CompressedTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/zip", "application/gzip", "application/x-gzip", "application/x-7z-compressed", "application/x-rar-compressed",
        "application/vnd.rar", "application/x-bzip2", "application/x-xz", "application/zstd", "application/pdf", "application/epub+zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };

    public static CompressionLevel LevelFor(string? contentType) =>
        contentType is not null && (CompressedTypes.Contains(contentType)
            || CompressedPrefixes.Any(p => contentType.StartsWith(p, StringComparison.OrdinalIgnoreCase)) && !contentType.Contains("svg", StringComparison.OrdinalIgnoreCase))
            ? CompressionLevel.NoCompression
            : CompressionLevel.Fastest;

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<ZipSource> sources, CancellationToken cancellationToken)
    {
        var asyncOutput = new AsyncOnlyOutput(output);
        await WriteArchiveAsync(asyncOutput, sources, cancellationToken);
        await asyncOutput.FlushAsync(cancellationToken);
    }

    private static async Task WriteArchiveAsync(Stream output, IAsyncEnumerable<ZipSource> sources, CancellationToken cancellationToken)
    {
        var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        await using (archive)
        {
            await foreach (var source in sources.WithCancellation(cancellationToken))
            {
                if (source.IsDirectory)
                {
                    archive.CreateEntry(source.Name, CompressionLevel.NoCompression).LastWriteTime = ZipTime(source.Modified);
                    continue;
                }
                await using var content = await source.Open!(cancellationToken);
                if (content is null)
                    continue;
                var entry = archive.CreateEntry(source.Name, LevelFor(source.ContentType));
                entry.LastWriteTime = ZipTime(source.Modified);
                await using var target = await entry.OpenAsync(cancellationToken);
                await content.CopyToAsync(target, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The zip classes still write a few bytes synchronously (closing an entry's deflate stream,
    /// its data descriptor), which a server's response body refuses. Those small writes are held
    /// here and sent with the next asynchronous write or flush; the entries' data passes straight
    /// through. What is held is bounded by what a closing entry writes (a deflate tail and a
    /// descriptor), so a larger synchronous write is a bug and says so.
    /// </summary>
    private sealed class AsyncOnlyOutput(Stream inner) : Stream
    {
        private const int MaxHeld = 1 << 20;
        private readonly MemoryStream _held = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_held.Length + buffer.Length > MaxHeld)
                throw new InvalidOperationException("The zip writer wrote more synchronously than an entry's tail; it would be held in memory.");
            _held.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendHeldAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendHeldAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        /// <summary>Synchronous flushes only mark a point: the held bytes go out with the next asynchronous call.</summary>
        public override void Flush() { }

        private async Task SendHeldAsync(CancellationToken cancellationToken)
        {
            if (_held.Length == 0)
                return;
            await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), cancellationToken);
            _held.SetLength(0);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Zip timestamps hold 1980–2107 only.</summary>
    private static DateTimeOffset ZipTime(DateTimeOffset when) =>
        when.Year < 1980 ? new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero)
        : when.Year > 2107 ? new DateTimeOffset(2107, 12, 31, 0, 0, 0, TimeSpan.Zero)
        : when;

    /// <summary>A convenience for tests and callers with a plain list.</summary>
    public static async IAsyncEnumerable<ZipSource> Of(IEnumerable<ZipSource> sources, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var source in sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return source;
        }
        await Task.CompletedTask;
    }
}
