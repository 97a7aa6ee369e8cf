using System.Buffers;
using System.Security.Cryptography;

namespace Coffer.Core.Crypto;

/// <summary>
/// The plaintext of a sealed blob as a seekable read-only stream over the stored one. A read
/// decrypts only the segments it touches (one segment is cached), so Range requests and seeks
/// cost what they read; once a few segments have been read in order, the next ones are decrypted
/// ahead on another thread (<see cref="SegmentReadAhead"/>), so a download's decryption overlaps
/// its sending. A segment that fails authentication throws
/// <see cref="BlobIntegrityException"/>: the caller gets an error, never wrong or missing bytes.
/// </summary>
internal sealed class OpeningStream : Stream
{
    /// <summary>Consecutive segments read before the read-ahead starts: Range reads of a few segments never read past what they asked for.</summary>
    private const int ReadAheadAfter = 3;

    /// <summary>Segments decrypted ahead of the caller (each a segment-sized buffer).</summary>
    private const int ReadAheadDepth = 4;

    private readonly Stream _stored;
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly int _segmentSize;
    private readonly long _segments;
    private readonly long _length;
    private readonly string? _name;
    private byte[] _current; // the cached segment's plaintext, decrypted in place over its stored bytes
    private long _cached = -1;
    private int _cachedLength;
    private int _streak; // consecutive segments loaded in order
    private SegmentReadAhead? _ahead;
    private long _position;
    private bool _disposed;

    private OpeningStream(Stream stored, ReadOnlySpan<byte> dataKey, byte[] header, string? name)
    {
        _stored = stored;
        _name = name;
        _header = header;
        _segmentSize = SealedFormat.SegmentSize(header);
        (_length, _segments) = SealedFormat.PlainLength(stored.Length, _segmentSize);
        _aes = new AesGcm(dataKey, SealedFormat.TagSize);
        _current = ArrayPool<byte>.Shared.Rent(StoredSegmentSize);
    }

    private int StoredSegmentSize => _segmentSize + SealedFormat.TagSize;

    /// <summary>Reads and checks the header; the content is decrypted as it is read. <paramref name="name"/> (the store key) goes into error messages.</summary>
    public static async Task<Stream> OpenAsync(Stream stored, byte[] dataKey, CancellationToken cancellationToken, string? name = null)
    {
        try
        {
            var header = new byte[SealedFormat.HeaderSize];
            stored.Position = 0;
            var read = await stored.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
            if (read < header.Length)
                throw new BlobIntegrityException("it is shorter than its header", name);
            var opening = new OpeningStream(stored, dataKey, header, name);
            if (opening._length == 0)
            {
                // No read will ever touch an empty blob's only segment, so check its tag now: else a
                // blob cut to header + 16 bytes (or with a damaged header) would read as a complete empty file.
                try
                {
                    await opening.LoadAsync(0, cancellationToken);
                }
                catch
                {
                    await opening.DisposeAsync();
                    throw;
                }
            }
            return opening;
        }
        catch (BlobIntegrityException e) when (e.Blob is null && name is not null)
        {
            await stored.DisposeAsync();
            throw new BlobIntegrityException(e.What, name);
        }
        catch
        {
            await stored.DisposeAsync();
            throw;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => _length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= _length || buffer.IsEmpty)
            return 0;
        var segment = _position / _segmentSize;
        if (segment != _cached)
        {
            if (_ahead?.Next == segment)
                await TakeAheadAsync(cancellationToken);
            else
            {
                await StopReadAheadAsync();
                await LoadAsync(segment, cancellationToken);
                if (_streak >= ReadAheadAfter && segment + 1 < _segments)
                    _ahead = new SegmentReadAhead(segment + 1, _segments, ReadAheadDepth, StoredSegmentSize, LoadSequentialAsync);
            }
        }
        return CopyOut(buffer.Span, segment);
    }

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _length || buffer.IsEmpty)
            return 0;
        var segment = _position / _segmentSize;
        if (segment != _cached)
        {
            StopReadAhead();
            var storedLength = PositionAt(segment);
            _stored.ReadExactly(_current, 0, storedLength);
            Open(segment, _current, storedLength);
        }
        return CopyOut(buffer, segment);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private async ValueTask LoadAsync(long segment, CancellationToken cancellationToken)
    {
        var storedLength = PositionAt(segment);
        await _stored.ReadExactlyAsync(_current.AsMemory(0, storedLength), cancellationToken);
        Open(segment, _current, storedLength);
    }

    /// <summary>The read-ahead's loader: segments in order from where <see cref="PositionAt"/> left the stored stream.</summary>
    private async ValueTask<int> LoadSequentialAsync(long segment, byte[] buffer, CancellationToken cancellationToken)
    {
        var storedLength = StoredLengthOf(segment);
        await _stored.ReadExactlyAsync(buffer.AsMemory(0, storedLength), cancellationToken);
        return Decrypt(segment, buffer, storedLength);
    }

    private async ValueTask TakeAheadAsync(CancellationToken cancellationToken)
    {
        var segment = _ahead!.Next;
        _cached = -1;
        _streak = 0;
        try
        {
            (_current, _cachedLength) = await _ahead.TakeAsync(_current, cancellationToken);
        }
        catch
        {
            await StopReadAheadAsync(); // it stops at a failed segment; a retry reads directly and fails again
            throw;
        }
        _cached = segment;
    }

    private async ValueTask StopReadAheadAsync()
    {
        if (_ahead is null)
            return;
        var ahead = _ahead;
        _ahead = null;
        await ahead.DisposeAsync();
    }

    /// <summary>
    /// For the synchronous Stream members, which must not return while the read-ahead may still
    /// touch the stored stream or the cipher. Async callers (Kestrel, copies) never get here.
    /// </summary>
    private void StopReadAhead()
    {
        if (_ahead is null)
            return;
#pragma warning disable RS0030 // blocking is the contract of a synchronous Read or Dispose
        StopReadAheadAsync().AsTask().GetAwaiter().GetResult();
#pragma warning restore RS0030
    }

    private int StoredLengthOf(long segment) => (int)Math.Min(_segmentSize, _length - segment * _segmentSize) + SealedFormat.TagSize;

    private int PositionAt(long segment)
    {
        _stored.Position = SealedFormat.HeaderSize + segment * StoredSegmentSize;
        return StoredLengthOf(segment);
    }

    /// <summary>Decrypts a loaded segment in place and makes it the cached one.</summary>
    private void Open(long segment, byte[] buffer, int storedLength)
    {
        _streak = segment == _cached + 1 ? _streak + 1 : 1;
        _cached = -1;
        try
        {
            _cachedLength = Decrypt(segment, buffer, storedLength);
        }
        catch
        {
            _streak = 0;
            throw;
        }
        _cached = segment;
    }

    private int Decrypt(long segment, byte[] buffer, int storedLength)
    {
        var plainLength = storedLength - SealedFormat.TagSize;
        Span<byte> nonce = stackalloc byte[SealedFormat.NonceSize];
        SealedFormat.Nonce(_header, segment, last: segment == _segments - 1, nonce);
        var content = buffer.AsSpan(0, plainLength);
        try
        {
            _aes.Decrypt(nonce, content, buffer.AsSpan(plainLength, SealedFormat.TagSize), content, _header);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(content);
            throw new BlobIntegrityException($"segment {segment} of {_segments} does not authenticate (altered, moved, cut short, or the wrong key)", _name);
        }
        return plainLength;
    }

    private int CopyOut(Span<byte> destination, long segment)
    {
        var offset = (int)(_position - segment * _segmentSize);
        var count = Math.Min(destination.Length, _cachedLength - offset);
        _current.AsSpan(offset, count).CopyTo(destination);
        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            StopReadAhead();
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_current);
            ArrayPool<byte>.Shared.Return(_current);
            _stored.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await StopReadAheadAsync(); // before the stored stream goes: the read-ahead may be reading it
        await _stored.DisposeAsync();
        await base.DisposeAsync(); // calls Dispose(true), which releases the buffer and the cipher
    }
}
