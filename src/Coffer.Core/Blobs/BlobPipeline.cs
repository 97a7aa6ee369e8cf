using System.Buffers;
using System.Security.Cryptography;

namespace Coffer.Core.Blobs;

/// <summary>What the pipeline stored: a complete, durable blob and the facts about its content.</summary>
public sealed record StoredBlob(Guid Id, string Key, long Size, string Sha256);

/// <summary>
/// The one road every byte takes into storage: source stream → SHA-256 → blob store, in large
/// chunks with one pooled buffer, so memory does not grow with file size. Later stages
/// (encryption) go here and every door gets them.
/// </summary>
public sealed class BlobPipeline(IBlobStore store)
{
    /// <summary>
    /// Big enough that the store sees few large writes (small writes cost CPU per byte on both
    /// the socket and the disk side), small enough to stay cheap per concurrent upload.
    /// </summary>
    internal const int ChunkBytes = 256 * 1024;

    /// <summary>
    /// Stores <paramref name="source"/> as a new blob of <paramref name="ownerId"/>. Throws
    /// <see cref="PayloadTooLargeException"/> as soon as more than <paramref name="maxBytes"/>
    /// (when positive) arrive. On any failure or cancellation nothing is left in the store.
    /// </summary>
    public async Task<StoredBlob> StoreAsync(Guid ownerId, Stream source, long maxBytes, CancellationToken cancellationToken)
    {
        var blobId = Guid.CreateVersion7();
        var key = BlobKey.For(ownerId, blobId);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var writer = await store.BeginWriteAsync(key, cancellationToken);
            long size = 0;
            while (true)
            {
                var read = await source.ReadAtLeastAsync(buffer.AsMemory(0, ChunkBytes), ChunkBytes,
                    throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                    break;
                size += read;
                if (maxBytes > 0 && size > maxBytes)
                    throw TooLarge(maxBytes);
                sha256.AppendData(buffer, 0, read);
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (read < ChunkBytes)
                    break; // ReadAtLeastAsync returns a short chunk only at the end of the stream.
            }
            await writer.CompleteAsync(cancellationToken);
            return new StoredBlob(blobId, key, size, Convert.ToHexStringLower(sha256.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static PayloadTooLargeException TooLarge(long maxBytes) =>
        new("The file is larger than this server accepts.", $"The largest file this server accepts is {maxBytes} bytes.");
}
