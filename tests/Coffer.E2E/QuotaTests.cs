using Coffer.Core.Persistence;
using Coffer.E2E.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>The storage line under the file list: usage against the quota, and an upload refused for want of space.</summary>
public sealed class QuotaTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Fact]
    public async Task StorageLine_ShowsUsageOfTheQuota_AndAnUploadThatDoesNotFitSaysHowMuchIsFree()
    {
        var user = await NewUserAsync();
        using (var scope = Server.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<CofferDb>().Users.Where(u => u.Id == user.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.QuotaBytes, 10 * 1024L), Cancellation);
        }
        await Page.SignInAsync(user);
        await Expect(Page.Locator("#storage-text")).ToHaveTextAsync("0 B of 10 KB used");
        await Expect(Page.Locator("#storage meter")).ToHaveAttributeAsync("max", "10240");

        await Page.Locator("#file-input").SetInputFilesAsync(new FilePayload { Name = "a.bin", MimeType = "application/octet-stream", Buffer = new byte[4096] });
        await Page.WaitForUploadsAsync();

        await Expect(Page.Locator("#storage-text")).ToHaveTextAsync("4 KB of 10 KB used");
        await Expect(Page.Locator("#storage meter")).ToHaveAttributeAsync("value", "4096");

        await Page.Locator("#file-input").SetInputFilesAsync(new FilePayload { Name = "b.bin", MimeType = "application/octet-stream", Buffer = new byte[8192] });
        await Expect(Page.Locator("#uploads-title")).ToHaveTextAsync("1 upload failed");

        await Expect(Page.ErrorToast("Not enough storage space. This upload needs 8 KB; you have 6 KB free of your 10 KB quota.")).ToBeVisibleAsync();
        await Expect(Page.Row("b.bin")).ToHaveCountAsync(0);
        await Expect(Page.Locator("#storage-text")).ToHaveTextAsync("4 KB of 10 KB used");
    }
}
