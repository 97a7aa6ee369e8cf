namespace Coffer.Core.Tests.Infrastructure;

/// <summary>
/// A read-only, non-seekable source like a request body: yields <c>content</c>, at most
/// <c>maxReadBytes</c> per read, and awaits <c>beforeRead</c> with the position before every read,
/// so a test can make the client drop, cancel, wait for others, or fail the test when it is read at all.
/// Like ASP.NET Core's request body it honours its token and refuses synchronous reads.
/// </summary>
public sealed class ScriptedStream(byte[] content, Func<long, Task>? beforeRead = null, int maxReadBytes = int.MaxValue) : Stream
{
    private int _position;

    public int Reads { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Reads++;
        if (beforeRead is not null)
            await beforeRead(_position);
        var n = Math.Min(Math.Min(buffer.Length, maxReadBytes), content.Length - _position);
        content.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new InvalidOperationException("Synchronous reads of a request body are not allowed.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
