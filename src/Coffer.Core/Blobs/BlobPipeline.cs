using System.Buffers;
using System.Security.Cryptography;
using Coffer.Core.Crypto;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Blobs;

/// <summary>
/// What the pipeline stored: a complete, durable blob, the facts about its content, and (when
/// sealed) the wrapped data key that opens it.
/// </summary>
public sealed record StoredBlob(Guid Id, string Key, long Size, string Sha256, string? KeyId, byte[]? WrappedKey);

/// <summary>
/// The one road every byte takes into and out of storage: source stream → SHA-256 → seal
/// (AES-256-GCM segments under a fresh data key, when encryption is on) → blob store, in large
/// chunks with pooled buffers, so memory does not grow with file size; and back: store → open
/// (only the segments a read touches) → caller. Every door (REST, web UI, shares...) uses it, so
/// none can forget a stage.
/// </summary>
public sealed class BlobPipeline(IBlobStore store, IKeyVault keys, IOptions<EncryptionOptions> encryption)
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
    /// <remarks>
    /// <paramref name="blobId"/> names the blob row the content will belong to (a new one by
    /// default); the data key is bound to it. The store key is always new, so re-sealing an existing
    /// blob writes beside the old copy instead of over it. <paramref name="beforeWrite"/>, when given,
    /// learns that key before a byte is read or written (an upload reservation names it, so garbage
    /// collection leaves the object alone while it is written), and may refuse the upload by throwing
    /// or set a further limit (the free space of a quota) that the content must stay within.
    /// </remarks>
    public async Task<StoredBlob> StoreAsync(Guid ownerId, Stream source, long maxBytes, CancellationToken cancellationToken, Guid? blobId = null,
        Func<string, CancellationToken, Task<WriteLimit?>>? beforeWrite = null)
    {
        var storeId = Guid.CreateVersion7();
        var key = BlobKey.For(ownerId, storeId);
        var id = blobId ?? storeId;
        var learned = beforeWrite is null ? null : await beforeWrite(key, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var (seal, keyId, wrappedKey) = await SealerAsync(id, cancellationToken);
            await using var writer = seal(await store.BeginWriteAsync(key, cancellationToken));
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
                if (learned is not null && size > learned.MaxBytes)
                    throw learned.Refuse(size);
                sha256.AppendData(buffer, 0, read);
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (read < ChunkBytes)
                    break; // ReadAtLeastAsync returns a short chunk only at the end of the stream.
            }
            await writer.CompleteAsync(cancellationToken);
            return new StoredBlob(id, key, size, Convert.ToHexStringLower(sha256.GetHashAndReset()), keyId, wrappedKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, ChunkBytes));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Opens a stored blob's content as a seekable stream: plaintext blobs as stored, sealed ones
    /// decrypted segment by segment as they are read.
    /// </summary>
    public async Task<Stream> OpenAsync(Blob blob, CancellationToken cancellationToken)
    {
        var content = await OpenContentAsync(blob, cancellationToken);
        if (content.Length == blob.Size)
            return content;
        // Cut or extended in storage: refuse before a byte is sent, rather than at the damaged end.
        await content.DisposeAsync();
        throw new BlobIntegrityException($"it holds {content.Length} bytes of content, not the {blob.Size} recorded", blob.StoreKey);
    }

    private async Task<Stream> OpenContentAsync(Blob blob, CancellationToken cancellationToken)
    {
        if (blob.KeyId is null)
            return await store.OpenReadAsync(blob.StoreKey, cancellationToken);
        var dataKey = await keys.UnwrapAsync(blob.KeyId, blob.WrappedKey ?? [], blob.Id.ToByteArray(), cancellationToken);
        try
        {
            return await OpeningStream.OpenAsync(await store.OpenReadAsync(blob.StoreKey, cancellationToken), dataKey, cancellationToken, blob.StoreKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// With encryption on: a fresh data key, wrapped by the active KEK and bound to the blob's id,
    /// and a writer stage that seals with it. With it off: the store's writer as it is.
    /// </summary>
    private async Task<(Func<IBlobWriter, IBlobWriter> Seal, string? KeyId, byte[]? WrappedKey)> SealerAsync(Guid blobId, CancellationToken cancellationToken)
    {
        if (!encryption.Value.Enabled)
            return (writer => writer, null, null);
        var keyId = keys.ActiveKeyId ?? throw new InvalidOperationException("Encryption is on but no key-encryption key is active.");
        var dataKey = RandomNumberGenerator.GetBytes(SealedFormat.KeySize);
        byte[] wrapped;
        try
        {
            wrapped = await keys.WrapAsync(keyId, dataKey, blobId.ToByteArray(), cancellationToken);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(dataKey);
            throw;
        }
        return (writer =>
        {
            try
            {
                return new SealingBlobWriter(writer, dataKey, SealedFormat.NewHeader());
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dataKey); // the AES instance holds its own copy
            }
        }, keyId, wrapped);
    }

    /// <summary>
    /// Reads <paramref name="source"/> to its end in pooled chunks, handing each to
    /// <paramref name="sink"/> (when given) and hashing it; for copies between stores and for
    /// hashing an object the server did not write itself.
    /// </summary>
    internal static async Task<(long Size, byte[] Sha256)> CopyHashingAsync(
        Stream source, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? sink, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long size = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
                if (sink is not null)
                    await sink(buffer.AsMemory(0, read), cancellationToken);
                size += read;
            }
            return (size, sha256.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static PayloadTooLargeException TooLarge(long maxBytes) =>
        new("The file is larger than this server accepts.", $"The largest file this server accepts is {maxBytes} bytes.");
}

/// <summary>
/// A limit learned just before a blob is written (the free space left by a quota), and the
/// refusal to throw, given the bytes received so far, when the content goes past it.
/// </summary>
public sealed record WriteLimit(long MaxBytes, Func<long, Exception> Refuse);
