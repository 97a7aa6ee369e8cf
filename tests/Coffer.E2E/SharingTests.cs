using Coffer.E2E.Infrastructure;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>Sharing a folder with another account by email, and finding it under "Shared with me".</summary>
public sealed class SharingTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Fact]
    public async Task OwnerSharesAFolderByEmail_TheOtherUserOpensItFromSharedWithMe_AndDownloadsAFile()
    {
        var owner = await NewUserAsync();
        var friend = await NewUserAsync();
        var folder = await owner.CreateFolderAsync("Holiday");
        await owner.UploadAsync("plan.txt", "beach, then mountains", folder.Id);
        await Page.SignInAsync(owner);

        await Page.Row("Holiday").Locator("td.check input").CheckAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Share with people" }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Share “Holiday”" });
        await Expect(dialog.GetByText("Only you have access.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Email of their Coffer account").FillAsync(friend.Email);
        await dialog.GetByLabel("They can").SelectOptionAsync("read");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await Expect(Page.Toast($"Shared “Holiday” with {friend.Email}.")).ToBeVisibleAsync();
        await Expect(dialog.GetByLabel($"Access for {friend.Email}")).ToHaveValueAsync("read");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();

        await Context.ClearCookiesAsync();
        await Page.SignInAsync(friend);
        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Shared with me" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Shared with me", Level = 1 })).ToBeVisibleAsync();
        var shared = Page.Locator("tr.shared-folder").Filter(new() { HasText = "Holiday" });
        await Expect(shared).ToContainTextAsync(owner.Email);
        await Expect(shared).ToContainTextAsync("View");

        await shared.GetByRole(AriaRole.Link, new() { Name = "Holiday" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Holiday", Level = 1 })).ToBeVisibleAsync();
        await Page.WaitForFilesScriptAsync();
        await Expect(Page.Locator("#shared-note")).ToContainTextAsync(owner.Email);
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Upload files" })).ToBeHiddenAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "New folder" })).ToBeHiddenAsync();
        var row = Page.Row("plan.txt");
        await row.Locator("td.check input").CheckAsync();
        await Expect(Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToBeHiddenAsync();
        await Expect(Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Rename" })).ToBeHiddenAsync();

        var download = await Page.RunAndWaitForDownloadAsync(() => Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Download" }).ClickAsync());
        var saved = Path.Combine(Server.DataDir, $"shared-{Guid.NewGuid():N}.txt");
        await download.SaveAsAsync(saved);
        Assert.Equal("beach, then mountains", await File.ReadAllTextAsync(saved, Cancellation));
    }
}
