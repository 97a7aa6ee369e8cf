using System.Security.Cryptography;
using System.Text;

namespace Coffer.Core.Crypto;

/// <summary>
/// Key-encryption keys (KEKs) by id. Data keys are stored only wrapped by one of them; the vault
/// wraps and unwraps and never hands a KEK out, so a KMS-backed vault (the KEK never leaves the
/// KMS) can implement this interface as well as the local one.
/// </summary>
public interface IKeyVault
{
    /// <summary>The KEK new data keys are wrapped with; null when there is none (encryption off and no key ever made).</summary>
    string? ActiveKeyId { get; }

    IReadOnlyCollection<string> KeyIds { get; }

    /// <summary>Wraps a data key, bound to <paramref name="context"/> (the blob's id): it unwraps only with the same context.</summary>
    ValueTask<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken);

    /// <summary>Unwraps a data key; a wrong KEK, context or damaged wrapping throws <see cref="CryptographicException"/>.</summary>
    ValueTask<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken);
}

/// <summary>A KEK id no configured key source has: the data it protects cannot be read.</summary>
public sealed class MissingKeyException(string keyId, string where)
    : InvalidOperationException($"The encryption key '{keyId}' is not available ({where}).")
{
    public string KeyId { get; } = keyId;
}

/// <summary>
/// KEKs held in this process (from key files or configuration). Wrapping is AES-256-GCM:
/// nonce (12) | wrapped key (32) | tag (16), with the KEK id and the context as associated data.
/// </summary>
public sealed class LocalKeyVault : IKeyVault
{
    private readonly Dictionary<string, byte[]> _keys;
    private readonly string _where;

    public LocalKeyVault(IReadOnlyDictionary<string, byte[]> keys, string? activeKeyId, string where)
    {
        _keys = new Dictionary<string, byte[]>(keys, StringComparer.Ordinal);
        _where = where;
        ActiveKeyId = activeKeyId is null || _keys.ContainsKey(activeKeyId) ? activeKeyId : throw new MissingKeyException(activeKeyId, where);
        foreach (var (id, key) in _keys)
        {
            if (key.Length != SealedFormat.KeySize)
                throw new InvalidOperationException($"The encryption key '{id}' ({where}) must be {SealedFormat.KeySize} bytes, not {key.Length}.");
        }
    }

    public string? ActiveKeyId { get; }

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    public ValueTask<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        var wrapped = new byte[SealedFormat.NonceSize + dataKey.Length + SealedFormat.TagSize];
        var nonce = wrapped.AsSpan(0, SealedFormat.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(keyId), SealedFormat.TagSize);
        aes.Encrypt(nonce, dataKey.Span, wrapped.AsSpan(SealedFormat.NonceSize, dataKey.Length),
            wrapped.AsSpan(SealedFormat.NonceSize + dataKey.Length), AssociatedData(keyId, context.Span));
        return ValueTask.FromResult(wrapped);
    }

    public ValueTask<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        var length = wrapped.Length - SealedFormat.NonceSize - SealedFormat.TagSize;
        if (length <= 0)
            throw new CryptographicException("The wrapped data key is damaged.");
        var dataKey = new byte[length];
        using var aes = new AesGcm(Key(keyId), SealedFormat.TagSize);
        var span = wrapped.Span;
        aes.Decrypt(span[..SealedFormat.NonceSize], span.Slice(SealedFormat.NonceSize, length), span[(SealedFormat.NonceSize + length)..],
            dataKey, AssociatedData(keyId, context.Span));
        return ValueTask.FromResult(dataKey);
    }

    private byte[] Key(string keyId) => _keys.TryGetValue(keyId, out var key) ? key : throw new MissingKeyException(keyId, _where);

    private static byte[] AssociatedData(string keyId, ReadOnlySpan<byte> context) =>
        [.. "coffer/data-key/v1/"u8, .. Encoding.UTF8.GetBytes(keyId), (byte)'/', .. context];
}
