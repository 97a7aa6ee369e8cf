using Coffer.E2E.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>
/// The dashboard at desktop and phone widths, in light and dark mode: the layout holds and dark
/// mode follows the system. With COFFER_SCREENSHOTS_DIR set (see docs/screenshots/README.md) the
/// pictures are written there, for the README.
/// </summary>
public sealed class ScreenshotTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Theory]
    [InlineData(1280, 800, ColorScheme.Light, "dashboard-desktop-light.png")]
    [InlineData(1280, 800, ColorScheme.Dark, "dashboard-desktop-dark.png")]
    [InlineData(390, 844, ColorScheme.Light, "dashboard-phone-light.png")]
    [InlineData(390, 844, ColorScheme.Dark, "dashboard-phone-dark.png")]
    public async Task Dashboard_AtEachWidthAndScheme_FitsAndFollowsTheSystemScheme(int width, int height, ColorScheme scheme, string fileName)
    {
        var user = await NewUserAsync($"{Path.GetFileNameWithoutExtension(fileName)}@example.com");
        var photos = await user.CreateFolderAsync("Photos");
        await user.CreateFolderAsync("Projects");
        await user.UploadAsync("IMG_2044.jpg", new byte[2_340_000], photos.Id);
        await user.UploadAsync("Budget 2026.xlsx", new byte[48_200]);
        await user.UploadAsync("Contract.pdf", new byte[1_250_000]);
        await user.UploadAsync("holiday.mp4", new byte[8_400_000]);
        await user.UploadAsync("notes.md", "# Notes");
        await user.UploadAsync("backup.zip", new byte[3_100_000]);
        await user.UploadAsync("podcast.mp3", new byte[5_600_000]);
        await user.UploadAsync("main.cs", "class Program {}");
        await Page.SetViewportSizeAsync(width, height);
        await Page.EmulateMediaAsync(new() { ColorScheme = scheme });

        await Page.SignInAsync(user);
        if (scheme == ColorScheme.Dark) // the dark pictures show a selection, the light ones the toolbar
        {
            await Page.GetByRole(AriaRole.Checkbox, new() { Name = "Select Contract.pdf" }).CheckAsync();
            await Expect(Page.SelectionBar()).ToBeVisibleAsync();
        }
        else
        {
            await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Upload files" })).ToBeVisibleAsync();
        }
        await Page.Mouse.MoveAsync(0, 0);

        var background = await Page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.Equal(scheme == ColorScheme.Dark ? "rgb(15, 17, 21)" : "rgb(246, 247, 249)", background);
        var overflow = await Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than a {width} px screen.");

        var png = await Page.ScreenshotAsync();
        Assert.True(png.Length > 10_000, "The screenshot is suspiciously small.");
        if (Environment.GetEnvironmentVariable("COFFER_SCREENSHOTS_DIR") is { Length: > 0 } directory)
            await File.WriteAllBytesAsync(Path.Combine(directory, fileName), png, Cancellation);
    }
}
