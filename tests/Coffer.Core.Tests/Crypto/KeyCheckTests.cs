using System.Security.Cryptography;
using Coffer.Core.Crypto;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// The start-up key check: every KEK the stored blobs name must be configured and must be the
/// right one, or start-up stops with a message naming the key.
/// </summary>
public sealed class KeyCheckTests
{
    private static async Task RunCheckAsync(CoreHarness h, IKeyVault vault, KeySource provider = KeySource.File)
    {
        await using var db = h.OpenDb();
        await new KeyCheck(db, new KeyVaultHolder(vault), Options.Create(new EncryptionOptions { KeyProvider = provider }), NullLogger<KeyCheck>.Instance).RunAsync(Ct);
    }

    private static async Task<string> UploadSealedAsync(CoreHarness h)
    {
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, "a.bin", RandomBytes(1000));
        await using var db = h.OpenDb();
        return (await db.Blobs.Select(b => b.KeyId).SingleAsync(Ct))!;
    }

    [Fact]
    public async Task RunAsync_TheConfiguredKeys_Passes()
    {
        await using var h = await StartAsync();
        await UploadSealedAsync(h);
        await using var s = h.Scope();

        await s.Get<KeyCheck>().RunAsync(Ct);
    }

    [Fact]
    public async Task RunAsync_NoSealedBlobsAndNoKeys_Passes()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.CreateFolderAsync(user.Id, "empty");

        await RunCheckAsync(h, new LocalKeyVault(new Dictionary<string, byte[]>(), null, "test"));
    }

    [Fact]
    public async Task RunAsync_BlobKeyIdNotInTheVault_ThrowsStartupNamingTheKey()
    {
        await using var h = await StartAsync();
        var keyId = await UploadSealedAsync(h);
        var otherVault = new LocalKeyVault(
            new Dictionary<string, byte[]> { ["other"] = RandomNumberGenerator.GetBytes(SealedFormat.KeySize) }, "other", "test");

        var error = await Assert.ThrowsAsync<StartupException>(() => RunCheckAsync(h, otherVault));

        Assert.Contains($"'{keyId}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 stored file", error.Message, StringComparison.Ordinal);
        Assert.Contains("not configured", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KeySource.File, "Coffer:Encryption:KeyDirectory")]
    [InlineData(KeySource.Environment, "Coffer:Encryption:Keys")]
    public async Task RunAsync_AnotherKeyUnderTheSameId_ThrowsStartupSayingItIsNotTheRightKey(KeySource provider, string where)
    {
        await using var h = await StartAsync();
        var keyId = await UploadSealedAsync(h);
        var impostor = new LocalKeyVault(
            new Dictionary<string, byte[]> { [keyId] = RandomNumberGenerator.GetBytes(SealedFormat.KeySize) }, keyId, "test");

        var error = await Assert.ThrowsAsync<StartupException>(() => RunCheckAsync(h, impostor, provider));

        Assert.Contains($"'{keyId}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not the key", error.Message, StringComparison.Ordinal);
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_KeyDirectoryEmptiedButFilesSealed_NamesTheMissingKeyAndCreatesNone()
    {
        await using var h = await StartAsync();
        var keyId = await UploadSealedAsync(h);
        var directory = new EncryptionOptions().KeyDirectoryFor(h.Root);
        File.Move(KeyRing.PathOf(directory, keyId), Path.Combine(h.Root, "moved.key"));
        var holder = new KeyVaultHolder(Options.Create(new EncryptionOptions()), Options.Create(new DataDirOptions { DataDir = h.Root }),
            h.Clock, NullLogger<KeyVaultHolder>.Instance);

        await using var db = h.OpenDb();
        var error = await Assert.ThrowsAsync<StartupException>(() =>
            new KeyCheck(db, holder, Options.Create(new EncryptionOptions()), NullLogger<KeyCheck>.Instance).RunAsync(Ct));

        Assert.Contains($"'{keyId}'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory)); // no fresh key hiding that the real one is gone
    }
}
