using System.Net.Http.Json;
using Coffer.E2E.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>
/// Every page, checked by the axe-core engine against WCAG 2.x A and AA (labels, roles, names,
/// colour contrast...) in light and dark mode: an accessibility regression fails the build.
/// </summary>
public sealed class AccessibilityTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task EveryPage_MeetsWcagAA(ColorScheme scheme)
    {
        await Page.EmulateMediaAsync(new() { ColorScheme = scheme });
        var user = await NewUserAsync();
        var folder = await user.CreateFolderAsync("Reports");
        await user.UploadAsync("summary.pdf", new byte[40_000], folder.Id);
        await user.UploadAsync("notes.txt", "n");
        var other = await NewUserAsync();
        var plans = await other.CreateFolderAsync("Plans");
        await other.UploadAsync("plan.txt", "p", plans.Id);
        var granted = await other.Client.PostAsJsonAsync($"/api/v1/items/{plans.Id}/grants", new { email = user.Email, access = "read" });
        Assert.Equal(System.Net.HttpStatusCode.Created, granted.StatusCode);

        await GoToAsync("/signin");
        await AssertAccessibleAsync("sign-in");
        await GoToAsync("/signup");
        await AssertAccessibleAsync("sign-up");
        await Page.GetByLabel("Email").FillAsync("not-an-email");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await AssertAccessibleAsync("sign-up with an error");

        await Page.SignInAsync(user);
        await AssertAccessibleAsync("root folder");
        await Page.GetByRole(AriaRole.Searchbox, new() { Name = "Search my files by name" }).FillAsync("s");
        await Expect(Page.GetByRole(AriaRole.List, new() { Name = "Search results" }).GetByRole(AriaRole.Link)).ToHaveCountAsync(3);
        await AssertAccessibleAsync("search results");
        await Page.Keyboard.PressAsync("Escape");
        await Page.GetByRole(AriaRole.Checkbox, new() { Name = "Select notes.txt" }).CheckAsync();
        await AssertAccessibleAsync("root folder with a selection");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Move" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Dialog, new() { Name = "Move to…" }).GetByRole(AriaRole.Button, new() { Name = "Reports" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("move dialog");
        await Page.Keyboard.PressAsync("Escape");
        await GoToAsync($"/files/{folder.Id}");
        await Page.WaitForFilesScriptAsync();
        await AssertAccessibleAsync("subfolder");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Share with people" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Dialog, new() { Name = "Share “Reports”" }).GetByText("Only you have access.")).ToBeVisibleAsync();
        await AssertAccessibleAsync("share dialog");
        await Page.Keyboard.PressAsync("Escape");
        await GoToAsync("/shared");
        await AssertAccessibleAsync("shared with me");
        await GoToAsync($"/files/{plans.Id}");
        await Page.WaitForFilesScriptAsync();
        await AssertAccessibleAsync("folder shared read-only");
        await GoToAsync("/settings");
        await AssertAccessibleAsync("settings");
        await GoToAsync($"/files/{Guid.NewGuid()}");
        await AssertAccessibleAsync("404 page");
    }

    private async Task AssertAccessibleAsync(string what)
    {
        var result = await Page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
        });
        var problems = result.Violations.SelectMany(v => v.Nodes.Select(n => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" ", n.Target)} — {n.Html}"));
        Assert.True(result.Violations.Length == 0, $"Accessibility violations on the {what} page:{Environment.NewLine}" + string.Join(Environment.NewLine, problems));
    }
}
