using System.Security.Cryptography;
using Coffer.Core.Crypto;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// <see cref="LocalKeyVault"/>: a data key wrapped under a KEK and a context (the blob's id)
/// unwraps only with the same KEK, the same key id and the same context.
/// </summary>
public sealed class KeyVaultTests
{
    private static readonly byte[] ContextA = Guid.NewGuid().ToByteArray();
    private static readonly byte[] ContextB = Guid.NewGuid().ToByteArray();

    private static LocalKeyVault Vault(params (string Id, byte[] Key)[] keys) =>
        new(keys.ToDictionary(k => k.Id, k => k.Key), keys.Length > 0 ? keys[^1].Id : null, "test");

    private static byte[] NewKey() => RandomNumberGenerator.GetBytes(SealedFormat.KeySize);

    [Fact]
    public async Task WrapThenUnwrap_SameKeyAndContext_ReturnsTheDataKey()
    {
        var vault = Vault(("k1", NewKey()));
        var dataKey = NewKey();

        var wrapped = await vault.WrapAsync("k1", dataKey, ContextA, Ct);

        Assert.Equal(SealedFormat.NonceSize + SealedFormat.KeySize + SealedFormat.TagSize, wrapped.Length);
        Assert.True(wrapped.AsSpan().IndexOf(dataKey) < 0);
        Assert.Equal(dataKey, await vault.UnwrapAsync("k1", wrapped, ContextA, Ct));
        Assert.NotEqual(wrapped, await vault.WrapAsync("k1", dataKey, ContextA, Ct)); // a fresh nonce each time
    }

    [Fact]
    public async Task Unwrap_AnotherVaultWithTheSameKeyBytes_ReturnsTheDataKey()
    {
        var kek = NewKey();
        var dataKey = NewKey();

        var wrapped = await Vault(("k1", kek)).WrapAsync("k1", dataKey, ContextA, Ct);

        Assert.Equal(dataKey, await Vault(("k1", (byte[])kek.Clone())).UnwrapAsync("k1", wrapped, ContextA, Ct));
    }

    [Fact]
    public async Task Unwrap_OtherContext_ThrowsCryptographic()
    {
        var vault = Vault(("k1", NewKey()));
        var wrapped = await vault.WrapAsync("k1", NewKey(), ContextA, Ct);

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.UnwrapAsync("k1", wrapped, ContextB, Ct));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.UnwrapAsync("k1", wrapped, ReadOnlyMemory<byte>.Empty, Ct));
    }

    [Fact]
    public async Task Unwrap_OtherKeyUnderTheSameId_ThrowsCryptographic()
    {
        var wrapped = await Vault(("k1", NewKey())).WrapAsync("k1", NewKey(), ContextA, Ct);

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await Vault(("k1", NewKey())).UnwrapAsync("k1", wrapped, ContextA, Ct));
    }

    [Fact]
    public async Task Unwrap_SameKeyBytesUnderAnotherId_ThrowsCryptographic()
    {
        var kek = NewKey();
        var vault = Vault(("k1", kek), ("k2", kek));
        var wrapped = await vault.WrapAsync("k1", NewKey(), ContextA, Ct);

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.UnwrapAsync("k2", wrapped, ContextA, Ct));
    }

    [Fact]
    public async Task Unwrap_DamagedOrShortWrapping_ThrowsCryptographic()
    {
        var vault = Vault(("k1", NewKey()));
        var wrapped = await vault.WrapAsync("k1", NewKey(), ContextA, Ct);

        for (var i = 0; i < wrapped.Length; i++)
            await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.UnwrapAsync("k1", SealedBlobs.FlipBit(wrapped, i), ContextA, Ct));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.UnwrapAsync("k1", wrapped.AsMemory(..^1), ContextA, Ct));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.UnwrapAsync("k1", wrapped.AsMemory(..28), ContextA, Ct));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.UnwrapAsync("k1", Array.Empty<byte>(), ContextA, Ct));
    }

    [Fact]
    public async Task WrapOrUnwrap_UnknownKeyId_ThrowsMissingKeyNamingIt()
    {
        var vault = Vault(("k1", NewKey()));
        var wrapped = await vault.WrapAsync("k1", NewKey(), ContextA, Ct);

        var error = await Assert.ThrowsAsync<MissingKeyException>(async () => await vault.UnwrapAsync("gone", wrapped, ContextA, Ct));
        Assert.Equal("gone", error.KeyId);
        Assert.Contains("'gone'", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MissingKeyException>(async () => await vault.WrapAsync("gone", NewKey(), ContextA, Ct));
    }

    [Fact]
    public void Constructor_ActiveKeyMissingOrKeyOfWrongLength_Throws()
    {
        Assert.Throws<MissingKeyException>(() => new LocalKeyVault(new Dictionary<string, byte[]> { ["k1"] = NewKey() }, "k2", "test"));
        var error = Assert.Throws<InvalidOperationException>(() => new LocalKeyVault(new Dictionary<string, byte[]> { ["k1"] = new byte[16] }, "k1", "test"));
        Assert.Contains("'k1'", error.Message, StringComparison.Ordinal);
    }
}
