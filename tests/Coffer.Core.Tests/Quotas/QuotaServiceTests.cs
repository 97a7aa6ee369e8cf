using Coffer.Core.Drive;
using Coffer.Core.Quotas;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Quotas;

public sealed class QuotaServiceTests
{
    [Fact]
    public async Task UsageAsync_Files_SumsTheOwnersBlobsOnly()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var bob = await h.RegisterAsync();
        await h.UploadAsync(alice.Id, "a.bin", new byte[100]);
        await h.UploadAsync(alice.Id, "b.bin", new byte[23]);
        await h.UploadAsync(bob.Id, "c.bin", new byte[1000]);

        await using var s = h.Scope();
        var usage = await s.Get<QuotaService>().UsageAsync(alice.Id, Ct);

        Assert.Equal(123, usage.UsedBytes);
        Assert.Null(usage.QuotaBytes);
        Assert.Null(usage.FreeBytes);
    }

    [Fact]
    public async Task UsageAsync_BlobSharedByTwoVersions_CountsItOnce()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var file = (await h.UploadAsync(alice.Id, "a.bin", new byte[100])).Item;
        await using (var db = h.OpenDb())
        {
            // A restored version shares its blob with the version it restores.
            var current = await db.FileVersions.SingleAsync(v => v.ItemId == file.Id, Ct);
            db.FileVersions.Add(new FileVersion
            {
                Id = Guid.CreateVersion7(), ItemId = file.Id, BlobId = current.BlobId, Size = current.Size, Sha256 = current.Sha256,
                Created = current.Created.AddSeconds(1), CreatedBy = alice.Id,
            });
            await db.SaveChangesAsync(Ct);
        }

        await using var s = h.Scope();
        Assert.Equal(100, (await s.Get<QuotaService>().UsageAsync(alice.Id, Ct)).UsedBytes);
    }

    [Fact]
    public async Task UsageAsync_TrashedFile_StillCounts()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var file = (await h.UploadAsync(alice.Id, "a.bin", new byte[100])).Item;
        await using (var db = h.OpenDb())
            await db.Items.Where(i => i.Id == file.Id).ExecuteUpdateAsync(u => u.SetProperty(i => i.DeletedAt, h.Clock.GetUtcNow()), Ct);

        await using var s = h.Scope();
        Assert.Equal(100, (await s.Get<QuotaService>().UsageAsync(alice.Id, Ct)).UsedBytes);
    }

    [Fact]
    public async Task UsageAsync_LiveReservations_CountUntilTheyExpire()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        await using (var db = h.OpenDb())
            await db.Users.Where(u => u.Id == alice.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.QuotaBytes, 1000), Ct);
        await using (var s = h.Scope())
        {
            var (_, limit) = await s.Get<QuotaService>().ReserveAsync(alice.Id, 500, "u/test/reserved", Ct);
            Assert.Equal(1000, limit!.MaxBytes); // what the content may hold: the space free before this upload
        }

        await using (var s = h.Scope())
            Assert.Equal(500, (await s.Get<QuotaService>().UsageAsync(alice.Id, Ct)).UsedBytes);

        h.Clock.Advance(QuotaService.ReservationLifetime + TimeSpan.FromMinutes(1));
        await using (var s = h.Scope())
        {
            var quotas = s.Get<QuotaService>();
            Assert.Equal(0, (await quotas.UsageAsync(alice.Id, Ct)).UsedBytes);
            Assert.Equal(1, await quotas.SweepExpiredAsync(Ct));
        }
        await using var check = h.OpenDb();
        Assert.False(await check.UploadReservations.AnyAsync(Ct));
    }

    [Fact]
    public async Task UploadAsync_OverTheUsersQuota_ThrowsWithTheNumbersAndStoresNothing()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        await using (var db = h.OpenDb())
            await db.Users.Where(u => u.Id == alice.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.QuotaBytes, 150L), Ct);
        await h.UploadAsync(alice.Id, "a.bin", new byte[100]);

        var ex = await Assert.ThrowsAsync<QuotaExceededException>(() => h.UploadAsync(alice.Id, "b.bin", new byte[60]));

        Assert.Equal((150L, 100L, 50L, 60L), (ex.QuotaBytes, ex.UsedBytes, ex.FreeBytes, ex.NeededBytes));
        Assert.Single(h.BlobFiles());
        await using var check = h.OpenDb();
        Assert.False(await check.UploadReservations.AnyAsync(Ct));
    }

    [Fact]
    public async Task UploadAsync_ConfiguredDefault_AppliesUnlessTheUserHasTheirOwn()
    {
        await using var h = await StartAsync(configure: services => services.Configure<QuotaOptions>(o => o.DefaultBytes = 50));
        var alice = await h.RegisterAsync();
        var bob = await h.RegisterAsync();
        await using (var db = h.OpenDb())
            await db.Users.Where(u => u.Id == bob.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.QuotaBytes, 0L), Ct); // 0: no quota for bob

        await Assert.ThrowsAsync<QuotaExceededException>(() => h.UploadAsync(alice.Id, "a.bin", new byte[60]));
        await h.UploadAsync(bob.Id, "b.bin", new byte[60]);

        await using var s = h.Scope();
        Assert.Equal(50, (await s.Get<QuotaService>().UsageAsync(alice.Id, Ct)).QuotaBytes);
        Assert.Null((await s.Get<QuotaService>().UsageAsync(bob.Id, Ct)).QuotaBytes);
    }
}
