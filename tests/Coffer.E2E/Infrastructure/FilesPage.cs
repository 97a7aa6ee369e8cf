using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E.Infrastructure;

/// <summary>What the dashboard tests do again and again, in the words a person would use.</summary>
public static class FilesPage
{
    /// <summary>Signs the browser in through the sign-in form and waits for the root folder.</summary>
    public static async Task SignInAsync(this IPage page, TestUser user)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("Email").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(TestUser.DefaultPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My files", Level = 1 })).ToBeVisibleAsync();
        await page.WaitForFilesScriptAsync();
    }

    /// <summary>
    /// The dashboard's module script runs after the page is shown: until it has attached its
    /// handlers, a click or a chosen file would do nothing. Call after every navigation to a folder.
    /// </summary>
    public static Task WaitForFilesScriptAsync(this IPage page) =>
        Assertions.Expect(page.Locator("#files")).ToHaveAttributeAsync("data-ready", "true");

    /// <summary>The listing's row for an item.</summary>
    public static ILocator Row(this IPage page, string name) =>
        page.Locator("#rows tr.item").Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }) });

    public static ILocator Toast(this IPage page, string text) => page.Locator("#toasts .toast").Filter(new() { HasText = text });

    public static ILocator ErrorToast(this IPage page, string text) => page.Locator("#alerts .toast").Filter(new() { HasText = text });

    public static ILocator SelectionBar(this IPage page) => page.GetByRole(AriaRole.Toolbar, new() { Name = "Selected items" });

    /// <summary>Waits until the upload panel's overall bar is full and it says every upload is complete.</summary>
    public static async Task WaitForUploadsAsync(this IPage page)
    {
        await Assertions.Expect(page.Locator("#uploads-overall")).ToHaveAttributeAsync("value", "100");
        await Assertions.Expect(page.Locator("#uploads-title")).ToHaveTextAsync("Uploads complete");
    }
}
