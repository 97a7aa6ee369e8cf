using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace Coffer.Core.Crypto;

/// <summary>
/// Reads and decrypts the next few segments of a sealed blob on another thread while the caller
/// sends the current one, so a download's decryption overlaps its network writes instead of
/// adding to them. It owns the stored stream's position while it runs; memory is bounded by
/// <c>depth</c> segment buffers. A segment that fails is handed over as its error, in order:
/// the caller gets every byte before it, then the exception, never bytes after it.
/// </summary>
internal sealed class SegmentReadAhead : IAsyncDisposable
{
    /// <summary>Reads segment <c>index</c> from the stored stream's current position into the buffer and decrypts it in place; returns its plaintext length.</summary>
    public delegate ValueTask<int> SegmentLoader(long index, byte[] buffer, CancellationToken cancellationToken);

    private readonly Channel<Filled> _filled;
    private readonly Channel<byte[]> _free;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    /// <summary>Starts decrypting segments <paramref name="first"/> up to (not including) <paramref name="end"/>.</summary>
    public SegmentReadAhead(long first, long end, int depth, int bufferSize, SegmentLoader load)
    {
        Next = first;
        _filled = Channel.CreateBounded<Filled>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        _free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        for (var i = 0; i < depth; i++)
            _free.Writer.TryWrite(ArrayPool<byte>.Shared.Rent(bufferSize));
        _pump = Task.Run(() => PumpAsync(first, end, load, _stop.Token));
    }

    /// <summary>The segment the next <see cref="TakeAsync"/> returns.</summary>
    public long Next { get; private set; }

    /// <summary>
    /// The next segment's plaintext, in a buffer that becomes the caller's; the caller gives one
    /// of its own back (<paramref name="spare"/>) for the read-ahead to fill later.
    /// </summary>
    public async ValueTask<(byte[] Buffer, int Length)> TakeAsync(byte[] spare, CancellationToken cancellationToken)
    {
        var filled = await _filled.Reader.ReadAsync(cancellationToken);
        if (filled.Error is { } error)
        {
            _free.Writer.TryWrite(filled.Buffer);
            error.Throw();
        }
        _free.Writer.TryWrite(spare);
        Next++;
        return (filled.Buffer, filled.Length);
    }

    private async Task PumpAsync(long first, long end, SegmentLoader load, CancellationToken cancellationToken)
    {
        try
        {
            await FillAsync(first, end, load, cancellationToken);
        }
        finally
        {
            _filled.Writer.TryComplete(); // a reader past the end or the error gets an exception, never a hang
        }
    }

    private async Task FillAsync(long first, long end, SegmentLoader load, CancellationToken cancellationToken)
    {
        for (var index = first; index < end; index++)
        {
            byte[] buffer;
            try
            {
                buffer = await _free.Reader.ReadAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Filled filled;
            try
            {
                filled = new Filled(buffer, await load(index, buffer, cancellationToken), null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _free.Writer.TryWrite(buffer);
                return;
            }
            catch (Exception e)
            {
                filled = new Filled(buffer, 0, ExceptionDispatchInfo.Capture(e));
            }
            try
            {
                await _filled.Writer.WriteAsync(filled, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _free.Writer.TryWrite(buffer);
                return;
            }
            if (filled.Error is not null)
                return;
        }
    }

    /// <summary>Stops the read-ahead, waits for it, and wipes and returns every buffer it holds.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
        while (_filled.Reader.TryRead(out var filled))
            Return(filled.Buffer);
        while (_free.Reader.TryRead(out var buffer))
            Return(buffer);
    }

    private static void Return(byte[] buffer)
    {
        CryptographicOperations.ZeroMemory(buffer);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private readonly record struct Filled(byte[] Buffer, int Length, ExceptionDispatchInfo? Error);
}
