using System.Buffers;
using Amazon.S3.Model;
using Coffer.Core.Blobs;

namespace Coffer.Storage.S3;

/// <summary>
/// Streams one blob into S3 with bounded memory: bytes fill a pooled part buffer; a blob that fits
/// in one part is a single PUT at completion, a larger one a multipart upload started by the second
/// part, with at most <c>ParallelParts</c> parts in flight (so at most ParallelParts + 1 buffers).
/// Any failure, and disposal before <see cref="CompleteAsync"/>, aborts the upload: nothing appears
/// under the key and no parts stay behind.
/// </summary>
internal sealed class S3BlobWriter(S3BlobStore store, string objectKey, int partSize, int parallelParts) : IBlobWriter
{
    private readonly SemaphoreSlim _slots = new(parallelParts, parallelParts);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _inFlight = [];
    private readonly List<PartETag> _parts = [];
    private byte[]? _buffer;
    private int _filled;
    private int _nextPart = 1;
    private string? _uploadId;
    private Exception? _partFailure;
    private bool _commitSent;
    private State _state;

    private enum State
    {
        Writing,
        Completed,
        Discarded,
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        ThrowIfNotWriting();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (!chunk.IsEmpty)
            {
                // A full buffer is sent only once more bytes come, so a blob of exactly one part is one PUT.
                if (_filled == partSize)
                    await SendPartAsync(cancellationToken);
                _buffer ??= ArrayPool<byte>.Shared.Rent(partSize);
                var take = Math.Min(chunk.Length, partSize - _filled);
                chunk[..take].CopyTo(_buffer.AsMemory(_filled));
                _filled += take;
                chunk = chunk[take..];
            }
        }
        catch
        {
            await DiscardAsync();
            throw;
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotWriting();
        try
        {
            if (_uploadId is null)
            {
                _commitSent = true;
                await store.PutAsync(objectKey, _buffer ?? [], _filled, cancellationToken);
            }
            else
            {
                if (_filled > 0)
                    await SendPartAsync(cancellationToken); // the last part may be small
                await Task.WhenAll(_inFlight);
                ThrowIfPartFailed();
                _parts.Sort((a, b) => a.PartNumber.GetValueOrDefault().CompareTo(b.PartNumber.GetValueOrDefault()));
                _commitSent = true;
                await store.CompleteAsync(objectKey, _uploadId, _parts, cancellationToken);
            }
            _state = State.Completed;
            ReturnBuffer();
        }
        catch
        {
            await DiscardAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_state == State.Writing)
            await DiscardAsync();
        _stop.Dispose();
        _slots.Dispose();
    }

    /// <summary>Hands the full buffer to a background part upload, waiting while the parallel slots are taken.</summary>
    private async Task SendPartAsync(CancellationToken cancellationToken)
    {
        ThrowIfPartFailed();
        if (_nextPart > S3BlobStore.MaxParts)
            throw new IOException($"A blob this large needs more than {S3BlobStore.MaxParts} parts of {partSize} bytes: " +
                "raise the store's PartSizeBytes (S3 allows 10,000 parts per object).");
        _uploadId ??= await store.InitiateAsync(objectKey, cancellationToken);
        await _slots.WaitAsync(cancellationToken);
        if (Volatile.Read(ref _partFailure) is not null)
        {
            _slots.Release();
            ThrowIfPartFailed();
        }
        var buffer = _buffer!;
        var length = _filled;
        var number = _nextPart++;
        _buffer = null;
        _filled = 0;
        _inFlight.Add(UploadPartAsync(_uploadId, number, buffer, length));
    }

    /// <summary>Never throws: a failure is kept for the next write or the completion.</summary>
    private async Task UploadPartAsync(string uploadId, int number, byte[] buffer, int length)
    {
        await Task.Yield(); // let the writer go on filling the next buffer
        var succeeded = false;
        try
        {
            var etag = await store.UploadPartAsync(objectKey, uploadId, number, buffer, length, _stop.Token);
            lock (_parts)
                _parts.Add(new PartETag(number, etag));
            succeeded = true;
        }
        catch (Exception ex)
        {
            // Kept for the next write or the completion. The other parts in flight are left to finish
            // (or fail): cancelling a request whose error answer has already arrived can leave its
            // pooled connection out of step with Ceph RGW, stalling the next request on it for 65 s.
            Interlocked.CompareExchange(ref _partFailure, ex, null);
        }
        finally
        {
            // After a failure the HTTP stack may still hold the buffer: let the GC have it, not the pool.
            if (succeeded)
                ArrayPool<byte>.Shared.Return(buffer);
            _slots.Release();
        }
    }

    private async Task DiscardAsync()
    {
        if (_state != State.Writing)
            return;
        _state = State.Discarded;
        // Stop parts still being sent, unless one failed: then the others are getting their error
        // answers too, and cancelling those is what upsets the connection (see UploadPartAsync).
        if (Volatile.Read(ref _partFailure) is null)
            await _stop.CancelAsync();
        await Task.WhenAll(_inFlight); // parts never throw; none may land after the abort
        await store.DiscardAsync(objectKey, _uploadId, mayExist: _commitSent);
        ReturnBuffer();
    }

    private void ReturnBuffer()
    {
        if (_buffer is { } buffer)
            ArrayPool<byte>.Shared.Return(buffer);
        _buffer = null;
    }

    private void ThrowIfPartFailed()
    {
        if (Volatile.Read(ref _partFailure) is { } failure)
            throw new IOException($"Uploading a part of {objectKey} failed: {failure.Message}", failure);
    }

    private void ThrowIfNotWriting()
    {
        if (_state != State.Writing)
            throw new InvalidOperationException("This blob writer is completed, failed or disposed.");
    }
}
