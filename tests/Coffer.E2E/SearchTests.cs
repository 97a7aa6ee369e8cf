using Coffer.E2E.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>The search box in the files header: type, see where each match lies, open it with the keyboard or the mouse.</summary>
public sealed class SearchTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Fact]
    public async Task TypeInSearchBox_ShowsMatchesWithFolders_EnterOpensTheFolder_ClickDownloadsTheFile()
    {
        var user = await NewUserAsync();
        var projects = await user.CreateFolderAsync("Projects");
        var reports = await user.CreateFolderAsync("Reports 2024", projects.Id);
        await user.UploadAsync("Ärger-Report.txt", "the report", reports.Id);
        await user.UploadAsync("unrelated.txt", "x");
        await Page.SignInAsync(user);
        await Expect(Page.Locator("#search-form")).ToHaveAttributeAsync("data-ready", "true");

        var box = Page.GetByRole(AriaRole.Searchbox, new() { Name = "Search my files by name" });
        await box.FillAsync("ärger-REP");
        var results = Page.GetByRole(AriaRole.List, new() { Name = "Search results" });
        var file = results.GetByRole(AriaRole.Link, new() { Name = "Ärger-Report.txt (file) in My files/Projects/Reports 2024" });
        await Expect(file).ToBeVisibleAsync();
        await Expect(Page.Locator("#search-status")).ToHaveTextAsync("1 match for “ärger-REP”");

        var download = await Page.RunAndWaitForDownloadAsync(() => file.ClickAsync());
        Assert.Equal("Ärger-Report.txt", download.SuggestedFilename);

        await box.FillAsync("report");
        var folder = results.GetByRole(AriaRole.Link, new() { Name = "Reports 2024 (folder) in My files/Projects" });
        await Expect(folder).ToBeVisibleAsync();
        await Expect(results.GetByRole(AriaRole.Link)).ToHaveCountAsync(2); // the folder first, then the file
        await box.PressAsync("ArrowDown");
        await Expect(folder).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Enter");

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Reports 2024", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.Row("Ärger-Report.txt")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Escape_ClosesTheResults_AndNothingFoundIsSaid()
    {
        var user = await NewUserAsync();
        await user.UploadAsync("notes.txt", "x");
        await Page.SignInAsync(user);
        await Expect(Page.Locator("#search-form")).ToHaveAttributeAsync("data-ready", "true");
        var box = Page.GetByRole(AriaRole.Searchbox, new() { Name = "Search my files by name" });

        await box.FillAsync("zzz");
        await Expect(Page.Locator("#search-status")).ToHaveTextAsync("Nothing is called “zzz”.");
        await box.PressAsync("Escape");

        await Expect(Page.Locator("#search-panel")).ToBeHiddenAsync();
        await Expect(box).ToBeFocusedAsync();
    }
}
