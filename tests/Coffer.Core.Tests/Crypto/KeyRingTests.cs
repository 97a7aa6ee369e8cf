using System.Runtime.Versioning;
using System.Security.Cryptography;
using Coffer.Core.Crypto;
using Microsoft.Extensions.Time.Testing;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// <see cref="KeyRing.Load"/>: key files made on first run (owner-only), found again next time,
/// the newest active; keys from configuration; and start-up errors that name the key at fault.
/// </summary>
public sealed class KeyRingTests : IDisposable
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly string _dataDir = Directory.CreateTempSubdirectory("coffer-core-tests-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static EncryptionOptions Files(string? activeKeyId = null) => new() { ActiveKeyId = activeKeyId };

    private static EncryptionOptions Environment(Dictionary<string, string> keys, string? activeKeyId = null) =>
        new() { KeyProvider = KeySource.Environment, Keys = keys, ActiveKeyId = activeKeyId };

    private string KeyDirectory => Files().KeyDirectoryFor(_dataDir);

    private LocalKeyVault Load(EncryptionOptions options, bool createIfNone, out string? created) =>
        KeyRing.Load(options, _dataDir, _clock, createIfNone, out created);

    private static async Task AssertSameKeyAsync(LocalKeyVault a, LocalKeyVault b, string keyId)
    {
        var context = Guid.NewGuid().ToByteArray();
        var dataKey = RandomNumberGenerator.GetBytes(SealedFormat.KeySize);
        Assert.Equal(dataKey, await b.UnwrapAsync(keyId, await a.WrapAsync(keyId, dataKey, context, Ct), context, Ct));
    }

    [Fact]
    public async Task Load_FilesFirstRunThenAgain_CreatesOneOwnerOnlyKeyFileAndLoadsItNextTime()
    {
        var first = Load(Files(), createIfNone: true, out var created);

        Assert.NotNull(created);
        Assert.Equal(created, first.ActiveKeyId);
        Assert.Equal([created], first.KeyIds);
        var file = Assert.Single(Directory.GetFiles(KeyDirectory));
        Assert.Equal(KeyRing.PathOf(KeyDirectory, created), file);
        Assert.StartsWith("20261124T120000000-", created, StringComparison.Ordinal);
        Assert.Equal(SealedFormat.KeySize, Convert.FromBase64String(await File.ReadAllTextAsync(file, Ct)).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.None, new DirectoryInfo(KeyDirectory).UnixFileMode & GroupOrOther);
        }

        _clock.Advance(TimeSpan.FromDays(1));
        var second = Load(Files(), createIfNone: true, out var createdAgain);

        Assert.Null(createdAgain);
        Assert.Equal(created, second.ActiveKeyId);
        Assert.Single(Directory.GetFiles(KeyDirectory));
        await AssertSameKeyAsync(first, second, created);
    }

    [Fact]
    public void Load_FilesNoneAndCreateIfNoneFalse_CreatesNothingAndHasNoActiveKey()
    {
        var vault = Load(Files(), createIfNone: false, out var created);

        Assert.Null(created);
        Assert.Null(vault.ActiveKeyId);
        Assert.Empty(vault.KeyIds);
        Assert.False(Directory.Exists(KeyDirectory) && Directory.EnumerateFileSystemEntries(KeyDirectory).Any());
    }

    [Fact]
    public void Load_SeveralKeyFiles_NewestIdIsActiveUnlessActiveKeyIdSaysOtherwise()
    {
        var older = KeyRing.CreateKeyFile(KeyDirectory, _clock);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var newer = KeyRing.CreateKeyFile(KeyDirectory, _clock);
        _clock.Advance(TimeSpan.FromDays(30));
        var newest = KeyRing.CreateKeyFile(KeyDirectory, _clock);

        var vault = Load(Files(), createIfNone: true, out var created);
        var pinned = Load(Files(activeKeyId: older), createIfNone: true, out _);

        Assert.Null(created);
        Assert.Equal(newest, vault.ActiveKeyId);
        Assert.Equal(new[] { older, newer, newest }.Order(StringComparer.Ordinal), vault.KeyIds.Order(StringComparer.Ordinal));
        Assert.Equal(older, pinned.ActiveKeyId);
    }

    [Fact]
    public void Load_FilesOtherFilesInTheDirectory_AreNotKeys()
    {
        var id = KeyRing.CreateKeyFile(KeyDirectory, _clock);
        File.WriteAllText(Path.Combine(KeyDirectory, "notes.txt"), "not a key");
        File.WriteAllText(Path.Combine(KeyDirectory, "bad id!.key"), Convert.ToBase64String(new byte[32]));

        var vault = Load(Files(), createIfNone: true, out _);

        Assert.Equal([id], vault.KeyIds);
    }

    [Fact]
    public void Load_ActiveKeyIdNotAmongTheKeyFiles_ThrowsStartupNamingIt()
    {
        KeyRing.CreateKeyFile(KeyDirectory, _clock);

        var error = Assert.Throws<StartupException>(() => Load(Files(activeKeyId: "20990101T000000-abcdef"), createIfNone: true, out _));

        Assert.Contains("'20990101T000000-abcdef'", error.Message, StringComparison.Ordinal);
        Assert.Contains(KeyDirectory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DamagedKeyFile_ThrowsNamingTheFile()
    {
        var id = KeyRing.CreateKeyFile(KeyDirectory, _clock);
        var path = KeyRing.PathOf(KeyDirectory, id);
        File.WriteAllText(path, Convert.ToBase64String(new byte[16]));

        var error = Assert.ThrowsAny<Exception>(() => Load(Files(), createIfNone: true, out _));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherWrite)]
    [UnsupportedOSPlatform("windows")]
    public void Load_KeyFileOthersCanReach_ThrowsStartupSayingChmod(UnixFileMode mode)
    {
        var id = KeyRing.CreateKeyFile(KeyDirectory, _clock);
        var path = KeyRing.PathOf(KeyDirectory, id);
        File.SetUnixFileMode(path, mode);

        var error = Assert.Throws<StartupException>(() => Load(Files(), createIfNone: true, out _));

        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal([id], Load(Files(), createIfNone: true, out _).KeyIds); // fixed as told, it loads
    }

    [Fact]
    public async Task Load_EnvironmentOneKey_IsActiveAndIsThatKey()
    {
        var key = RandomNumberGenerator.GetBytes(SealedFormat.KeySize);

        var vault = Load(Environment(new() { ["prod-1"] = " " + Convert.ToBase64String(key) + "\n" }), createIfNone: true, out var created);

        Assert.Null(created);
        Assert.Equal("prod-1", vault.ActiveKeyId);
        Assert.False(Directory.Exists(KeyDirectory)); // nothing is written to disk
        var reference = new LocalKeyVault(new Dictionary<string, byte[]> { ["prod-1"] = key }, "prod-1", "test");
        await AssertSameKeyAsync(vault, reference, "prod-1");
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")] // 16 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 34 bytes
    public void Load_EnvironmentKeyNotBase64Of32Bytes_ThrowsStartupNamingTheKey(string value)
    {
        var good = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SealedFormat.KeySize));

        var error = Assert.Throws<StartupException>(() =>
            Load(Environment(new() { ["good"] = good, ["broken-key"] = value }, activeKeyId: "good"), createIfNone: true, out _));

        Assert.Contains("Keys:broken-key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(good, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvironmentKeyIdWithBadCharacters_ThrowsStartup()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SealedFormat.KeySize));

        var error = Assert.Throws<StartupException>(() => Load(Environment(new() { ["a/b"] = key }), createIfNone: true, out _));

        Assert.Contains("a/b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvironmentSeveralKeysWithoutActiveKeyId_ThrowsStartup()
    {
        var keys = new Dictionary<string, string>
        {
            ["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SealedFormat.KeySize)),
            ["k2"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SealedFormat.KeySize)),
        };

        var error = Assert.Throws<StartupException>(() => Load(Environment(keys), createIfNone: true, out _));
        var pinned = Load(Environment(keys, activeKeyId: "k1"), createIfNone: true, out _);

        Assert.Contains("ActiveKeyId", error.Message, StringComparison.Ordinal);
        Assert.Equal("k1", pinned.ActiveKeyId);
        Assert.Equal(2, pinned.KeyIds.Count);
    }

    [Fact]
    public void Load_EnvironmentActiveKeyIdNotConfigured_ThrowsStartupNamingIt()
    {
        var keys = new Dictionary<string, string> { ["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SealedFormat.KeySize)) };

        var error = Assert.Throws<StartupException>(() => Load(Environment(keys, activeKeyId: "k9"), createIfNone: true, out _));

        Assert.Contains("'k9'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvironmentNoKeysWithEncryptionOn_ThrowsStartup()
    {
        var error = Assert.Throws<StartupException>(() => Load(Environment([]), createIfNone: true, out _));

        Assert.Contains("Coffer__Encryption__Keys__", error.Message, StringComparison.Ordinal);
        Assert.Null(Load(Environment([]), createIfNone: false, out _).ActiveKeyId);
    }
}
