using Coffer.Core.Persistence;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests;

/// <summary>A data directory from before the keys moved into the database keeps its links and sessions.</summary>
public sealed class UpgradeTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("coffer-upgrade-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task KeysKeptAsFilesByAnEarlierVersion_AreImportedIntoTheDatabaseOnce()
    {
        var keys = Path.Combine(_dataDir, "keys");
        Directory.CreateDirectory(keys);
        var signing = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var signingFile = Path.Combine(keys, "url-signing.key");
        await File.WriteAllTextAsync(signingFile, Convert.ToBase64String(signing), TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(signingFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // The session keys as the earlier version wrote them: the framework's own file repository.
        var protectedByOld = DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(keys, "data-protection")), b => b.SetApplicationName("Coffer"))
            .CreateProtector("upgrade-test").Protect("still readable");

        using var app = new CofferApp(_dataDir);
        _ = app.Server;

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        Assert.Equal(signing, app.Services.GetRequiredService<ServerKeys>()[ServerKeys.UrlSigning]);
        var stored = await db.ServerKeys.SingleAsync(k => k.Name == ServerKeys.UrlSigning, TestContext.Current.CancellationToken);
        Assert.NotNull(stored.KeyId); // wrapped by the KEK in the database, not kept as it was in the file
        Assert.NotEqual(signing, stored.Bytes);
        Assert.Equal("still readable", app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("upgrade-test").Unprotect(protectedByOld));
        var imported = Assert.Single(await db.DataProtectionKeys.ToListAsync(TestContext.Current.CancellationToken));
        Assert.Contains("<sealedByCoffer kek=", imported.Xml, StringComparison.Ordinal); // sealed on the way in
        Assert.DoesNotContain("<masterKey", imported.Xml, StringComparison.Ordinal);
    }
}
