using Coffer.E2E.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>The trash page and the versions panel, driven as a person would.</summary>
public sealed class TrashTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Fact]
    public async Task DeleteAFile_OpenTheTrash_RestoreIt()
    {
        var user = await NewUserAsync();
        await user.UploadAsync("notes.txt", "keep me");
        await Page.SignInAsync(user);

        await Page.Row("notes.txt").Locator("td.size").ClickAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        var confirm = Page.GetByRole(AriaRole.Dialog, new() { Name = "Delete “notes.txt”?" });
        await Expect(confirm).ToContainTextAsync("restore them from the trash");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(Page.Toast("Moved “notes.txt” to the trash.")).ToBeVisibleAsync();
        await Expect(Page.Row("notes.txt")).ToHaveCountAsync(0);

        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Trash" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Trash", Level = 1 })).ToBeVisibleAsync();
        var entry = Page.Locator("tr.trash-entry").Filter(new() { HasText = "notes.txt" });
        await Expect(entry).ToContainTextAsync("7 B");
        await entry.GetByRole(AriaRole.Button, new() { Name = "Restore notes.txt" }).ClickAsync();
        await Expect(Page.GetByText("“notes.txt” is back in its folder.")).ToBeVisibleAsync();
        await Expect(Page.GetByText("The trash is empty")).ToBeVisibleAsync();

        await GoToAsync("/files");
        await Expect(Page.Row("notes.txt")).ToBeVisibleAsync();
        Assert.Equal(["notes.txt"], (await user.ChildrenAsync()).Items.Select(i => i.Name));
    }

    [Fact]
    public async Task DeleteForever_AndEmptyTheTrash_AfterConfirming()
    {
        var user = await NewUserAsync();
        foreach (var name in new[] { "a.txt", "b.txt", "c.txt" })
        {
            var item = await user.UploadAsync(name, name);
            (await user.Client.DeleteAsync($"/api/v1/items/{item.Id}", Cancellation)).EnsureSuccessStatusCode();
        }
        await Page.SignInAsync(user);
        Page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await GoToAsync("/trash");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Delete a.txt forever" }).ClickAsync();
        await Expect(Page.GetByText("“a.txt” was deleted for good.")).ToBeVisibleAsync();
        await Expect(Page.Locator("tr.trash-entry")).ToHaveCountAsync(2);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Empty trash" }).ClickAsync();
        await Expect(Page.GetByText("2 items were deleted for good.")).ToBeVisibleAsync();
        await Expect(Page.GetByText("The trash is empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task UploadTwice_OpenVersions_RestoreTheFirst()
    {
        var user = await NewUserAsync();
        var file = await user.UploadAsync("plan.txt", "first plan");
        (await user.PutAsync("plan.txt", "second plan, longer"u8.ToArray(), conflict: "replace")).EnsureSuccessStatusCode();
        await Page.SignInAsync(user);

        await Page.Row("plan.txt").Locator("td.size").ClickAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Versions" }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Versions of “plan.txt”" });
        await Expect(dialog.Locator("li.version")).ToHaveCountAsync(2);
        await Expect(dialog.Locator("li.version.current")).ToContainTextAsync("Current version");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Restore version 1" }).ClickAsync();
        await Expect(Page.Toast("Restored an earlier version of “plan.txt”.")).ToBeVisibleAsync();
        await Expect(dialog.Locator("li.version")).ToHaveCountAsync(3);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        await Expect(Page.Row("plan.txt").Locator("td.size")).ToHaveTextAsync("10 B");
        Assert.Equal("first plan", await user.Client.GetStringAsync($"/api/v1/items/{file.Id}/content", Cancellation));
    }
}
