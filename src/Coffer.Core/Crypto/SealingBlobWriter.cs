using System.Buffers;
using System.Security.Cryptography;
using Coffer.Core.Blobs;

namespace Coffer.Core.Crypto;

/// <summary>
/// Encrypts on the way to the store: plaintext in any chunk sizes becomes <see cref="SealedFormat"/>
/// segments. One segment is held back until more data or completion says whether it is the last.
/// Sealed segments are batched into large writes; memory is a few segments whatever the file size.
/// </summary>
internal sealed class SealingBlobWriter : IBlobWriter
{
    private const int SegmentsPerWrite = 4;
    private readonly IBlobWriter _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly int _segmentSize;
    private readonly byte[] _plain;
    private readonly byte[] _out;
    private int _held;
    private int _outUsed;
    private long _segment;

    public SealingBlobWriter(IBlobWriter inner, ReadOnlySpan<byte> dataKey, byte[] header)
    {
        _inner = inner;
        _aes = new AesGcm(dataKey, SealedFormat.TagSize);
        _header = header;
        _segmentSize = SealedFormat.SegmentSize(header);
        _plain = ArrayPool<byte>.Shared.Rent(_segmentSize);
        _out = ArrayPool<byte>.Shared.Rent(SegmentsPerWrite * (_segmentSize + SealedFormat.TagSize));
        header.CopyTo(_out, 0);
        _outUsed = header.Length;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        while (!chunk.IsEmpty)
        {
            if (_held == _segmentSize)
                await SealAsync(last: false, cancellationToken); // more data came, so the held segment is not the last
            var take = Math.Min(_segmentSize - _held, chunk.Length);
            chunk.Span[..take].CopyTo(_plain.AsSpan(_held));
            _held += take;
            chunk = chunk[take..];
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await SealAsync(last: true, cancellationToken);
        await FlushAsync(cancellationToken);
        await _inner.CompleteAsync(cancellationToken);
    }

    private async ValueTask SealAsync(bool last, CancellationToken cancellationToken)
    {
        var stride = _held + SealedFormat.TagSize;
        if (_outUsed + stride > _out.Length)
            await FlushAsync(cancellationToken);
        Span<byte> nonce = stackalloc byte[SealedFormat.NonceSize];
        SealedFormat.Nonce(_header, _segment, last, nonce);
        var target = _out.AsSpan(_outUsed, stride);
        _aes.Encrypt(nonce, _plain.AsSpan(0, _held), target[.._held], target[_held..], _header);
        _outUsed += stride;
        _segment++;
        _held = 0;
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_outUsed == 0)
            return;
        await _inner.WriteAsync(_out.AsMemory(0, _outUsed), cancellationToken);
        _outUsed = 0;
    }

    public async ValueTask DisposeAsync()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_plain.AsSpan(0, _segmentSize));
        ArrayPool<byte>.Shared.Return(_plain);
        ArrayPool<byte>.Shared.Return(_out);
        await _inner.DisposeAsync();
    }
}
