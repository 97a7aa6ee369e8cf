using System.Buffers;
using System.Security.Cryptography;

namespace Coffer.Core.Crypto;

/// <summary>
/// The plaintext of a sealed blob as a seekable read-only stream over the stored one. A read
/// decrypts only the segments it touches (one segment is cached), so Range requests and seeks
/// cost what they read. A segment that fails authentication throws
/// <see cref="BlobIntegrityException"/>: the caller gets an error, never wrong or missing bytes.
/// </summary>
internal sealed class OpeningStream : Stream
{
    private readonly Stream _stored;
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly int _segmentSize;
    private readonly long _segments;
    private readonly long _length;
    private readonly byte[] _sealed;
    private readonly byte[] _plain;
    private long _cached = -1;
    private int _cachedLength;
    private long _position;
    private bool _disposed;
    private readonly string? _name;

    private OpeningStream(Stream stored, ReadOnlySpan<byte> dataKey, byte[] header, string? name)
    {
        _stored = stored;
        _name = name;
        _header = header;
        _segmentSize = SealedFormat.SegmentSize(header);
        (_length, _segments) = SealedFormat.PlainLength(stored.Length, _segmentSize);
        _aes = new AesGcm(dataKey, SealedFormat.TagSize);
        _sealed = ArrayPool<byte>.Shared.Rent(_segmentSize + SealedFormat.TagSize);
        _plain = ArrayPool<byte>.Shared.Rent(_segmentSize);
    }

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
            await LoadAsync(segment, cancellationToken);
        return CopyOut(buffer.Span, segment);
    }

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _length || buffer.IsEmpty)
            return 0;
        var segment = _position / _segmentSize;
        if (segment != _cached)
        {
            PositionAt(segment, out var storedLength);
            _stored.ReadExactly(_sealed, 0, storedLength);
            Decrypt(segment, storedLength);
        }
        return CopyOut(buffer, segment);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private async ValueTask LoadAsync(long segment, CancellationToken cancellationToken)
    {
        PositionAt(segment, out var storedLength);
        await _stored.ReadExactlyAsync(_sealed.AsMemory(0, storedLength), cancellationToken);
        Decrypt(segment, storedLength);
    }

    private void PositionAt(long segment, out int storedLength)
    {
        var plainLength = (int)Math.Min(_segmentSize, _length - segment * _segmentSize);
        storedLength = plainLength + SealedFormat.TagSize;
        _stored.Position = SealedFormat.HeaderSize + segment * (_segmentSize + SealedFormat.TagSize);
    }

    private void Decrypt(long segment, int storedLength)
    {
        var plainLength = storedLength - SealedFormat.TagSize;
        Span<byte> nonce = stackalloc byte[SealedFormat.NonceSize];
        SealedFormat.Nonce(_header, segment, last: segment == _segments - 1, nonce);
        _cached = -1;
        try
        {
            _aes.Decrypt(nonce, _sealed.AsSpan(0, plainLength), _sealed.AsSpan(plainLength, SealedFormat.TagSize),
                _plain.AsSpan(0, plainLength), _header);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(_plain.AsSpan(0, plainLength));
            throw new BlobIntegrityException($"segment {segment} of {_segments} does not authenticate (altered, moved, cut short, or the wrong key)", _name);
        }
        _cached = segment;
        _cachedLength = plainLength;
    }

    private int CopyOut(Span<byte> destination, long segment)
    {
        var offset = (int)(_position - segment * _segmentSize);
        var count = Math.Min(destination.Length, _cachedLength - offset);
        _plain.AsSpan(offset, count).CopyTo(destination);
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
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain.AsSpan(0, _segmentSize));
            ArrayPool<byte>.Shared.Return(_sealed);
            ArrayPool<byte>.Shared.Return(_plain);
            _stored.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _stored.DisposeAsync();
        await base.DisposeAsync(); // calls Dispose(true), which releases the buffers and the cipher
    }
}
