namespace Coffer.Server.Tests.Infrastructure;

/// <summary>
/// A read-only stream of <see cref="Length"/> pseudo-random bytes made on the fly, so a test can
/// send gigabytes without holding them; optionally fails after <c>failAfter</c> bytes, like a client that drops.
/// </summary>
public sealed class GeneratedStream(long length, int seed = 1, long failAfter = -1) : Stream
{
    private long _position;
    private ulong _state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (failAfter >= 0 && _position >= failAfter)
            throw new IOException("The generated stream was told to fail here.");
        var end = failAfter >= 0 ? Math.Min(length, failAfter) : length;
        var n = (int)Math.Min(buffer.Length, end - _position);
        var done = 0;
        while (done < n)
        {
            var inBlock = (int)(_position % BlockBytes);
            if (inBlock == 0)
                FillBlock();
            var take = Math.Min(n - done, BlockBytes - inBlock);
            _block.AsSpan(inBlock, take).CopyTo(buffer[done..]);
            done += take;
            _position += take;
        }
        return n;
    }

    private const int BlockBytes = 64 * 1024;
    private readonly byte[] _block = new byte[BlockBytes];

    /// <summary>xorshift64, eight bytes a step: deterministic, fast, and incompressible enough for transfer tests.</summary>
    private void FillBlock()
    {
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(_block.AsSpan());
        for (var i = 0; i < words.Length; i++)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            words[i] = _state;
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>The SHA-256 of the bytes such a stream yields, computed by streaming them once.</summary>
    public static string Sha256Of(long length, int seed = 1)
    {
        using var stream = new GeneratedStream(length, seed);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
