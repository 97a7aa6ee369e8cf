using Amazon.S3.Model;
using Coffer.Core.Blobs;

namespace Coffer.Storage.S3;

/// <summary>
/// A seekable, read-only view of one object. The first read opens a GET from the position to the
/// end and later reads continue on that response; a seek only moves the position, and the next
/// read that does not continue where the response is opens a new GET. So a caller that seeks and
/// reads a few bytes (an HTTP Range, the last segment of a sealed blob) fetches about that much,
/// and one that reads sequentially makes one request. Reads are asynchronous only: the AWS SDK has
/// no synchronous calls, and blocking on them would hold a thread per download.
/// </summary>
internal sealed class S3ReadStream(S3BlobStore store, string objectKey, string key, long length, string? etag) : Stream
{
    private long _position;
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _bodyPosition;
    private bool _disposed;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => !_disposed;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _position >= length)
            return 0;
        if (_body is null || _bodyPosition != _position)
            await OpenAsync(cancellationToken);
        int read;
        try
        {
            read = await _body!.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // A connection dropped mid-body (long downloads meet this): go on from here with a new request, once.
            store.ReadResumed(ex, objectKey, _position);
            await OpenAsync(cancellationToken);
            read = await _body!.ReadAsync(buffer, cancellationToken);
        }
        if (read == 0)
            throw new IOException($"Blob {key} ended at byte {_position} of {length}.");
        _position += read;
        _bodyPosition += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("S3 blob streams are read with ReadAsync.");

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Drop();
            _disposed = true;
        }
        base.Dispose(disposing);
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        Drop();
        _response = await store.GetFromAsync(objectKey, _position, etag, cancellationToken) ?? throw new BlobNotFoundException(key);
        _body = _response.ResponseStream;
        _bodyPosition = _position;
    }

    /// <summary>Closes the open response; an unread remainder is not downloaded (the connection is dropped instead).</summary>
    private void Drop()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }
}
