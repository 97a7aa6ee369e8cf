using Coffer.E2E.Infrastructure;
using Coffer.Server.Api;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using SkiaSharp;

namespace Coffer.E2E;

/// <summary>Previews in the dashboard: images in a lightbox, PDFs in the browser's viewer, rendered text; the grid view.</summary>
public sealed class PreviewTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    /// <summary>Chromium's PDF viewer, which runs in a frame of its own inside the one showing the PDF.</summary>
    private const string PdfViewer = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/";

    private ILocator PreviewDialog => Page.Locator("#preview-dialog");

    private async Task OpenPreviewAsync(string name)
    {
        await Page.Row(name).GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await Expect(PreviewDialog).ToBeVisibleAsync();
        await Expect(Page.Locator("#preview-title")).ToHaveTextAsync(name);
    }

    [Fact]
    public async Task Image_OpensInALightbox_ArrowsStepThroughTheFolder_EscCloses()
    {
        var user = await NewUserAsync();
        await user.UploadAsync("a.png", TestFiles.Png(300, 200, SKColors.Red));
        await user.UploadAsync("b.png", TestFiles.Png(200, 300, SKColors.Green));
        await user.UploadAsync("c.png", TestFiles.Png(100, 100, SKColors.Blue));
        await user.UploadAsync("notes.txt", "not an image");
        await Page.SignInAsync(user);

        await OpenPreviewAsync("a.png");
        var image = PreviewDialog.GetByRole(AriaRole.Img, new() { Name = "a.png" });
        await Expect(image).ToBeVisibleAsync();
        await Expect(image).ToHaveJSPropertyAsync("naturalWidth", 300); // decoded: shown, not a broken image
        await Expect(PreviewDialog).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("lightbox"));
        await Expect(PreviewDialog.GetByRole(AriaRole.Link, new() { Name = "Download" })).ToBeVisibleAsync();
        await Expect(PreviewDialog.Locator(".preview-details")).ToContainTextAsync("image/png");

        await Page.Keyboard.PressAsync("ArrowRight");
        await Expect(Page.Locator("#preview-title")).ToHaveTextAsync("b.png");
        await Expect(PreviewDialog.GetByRole(AriaRole.Img, new() { Name = "b.png" })).ToHaveJSPropertyAsync("naturalWidth", 200);
        await Page.Keyboard.PressAsync("ArrowRight");
        await Expect(Page.Locator("#preview-title")).ToHaveTextAsync("c.png");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Next image" })).ToBeDisabledAsync();
        await Page.Keyboard.PressAsync("ArrowRight"); // the last image: stays
        await Expect(Page.Locator("#preview-title")).ToHaveTextAsync("c.png");
        await Page.Keyboard.PressAsync("ArrowLeft");
        await Expect(Page.Locator("#preview-title")).ToHaveTextAsync("b.png");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Previous image" }).ClickAsync();
        await Expect(Page.Locator("#preview-title")).ToHaveTextAsync("a.png");

        await Page.Keyboard.PressAsync("Escape");
        await Expect(PreviewDialog).ToBeHiddenAsync();
        await Expect(Page.Row("a.png")).ToBeFocusedAsync(); // focus goes back to the file shown last
    }

    [Fact]
    public async Task Pdf_IsShownInTheBrowsersViewer_UnderTheSandboxPolicy()
    {
        var user = await NewUserAsync();
        var item = await user.UploadAsync("report.pdf", TestFiles.Pdf());
        await Page.SignInAsync(user);

        await OpenPreviewAsync("report.pdf");

        var frame = PreviewDialog.Locator("iframe");
        await Expect(frame).ToHaveAttributeAsync("src", $"/api/v1/items/{item.Id}/content?inline=true");
        await WaitUntilAsync(() => Page.Frames.Any(f => f.Url.StartsWith(PdfViewer, StringComparison.Ordinal)), "Chromium's PDF viewer never loaded");
        var response = await Page.APIRequest.GetAsync($"/api/v1/items/{item.Id}/content?inline=true");
        Assert.Contains("sandbox", response.Headers["content-security-policy"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MarkdownAndText_AreRenderedInASandboxedFrame()
    {
        var user = await NewUserAsync();
        await user.UploadAsync("README.md", "# Read me\n\nSome **bold** text.\n");
        await user.UploadAsync("main.py", "print('hello')\n");
        await Page.SignInAsync(user);

        await OpenPreviewAsync("README.md");
        var markdown = Page.FrameLocator("#preview-dialog iframe");
        await Expect(markdown.GetByRole(AriaRole.Heading, new() { Name = "Read me" })).ToBeVisibleAsync();
        await Expect(markdown.Locator("strong")).ToHaveTextAsync("bold");
        await Expect(PreviewDialog.Locator("iframe")).ToHaveAttributeAsync("sandbox", "");
        await Page.Keyboard.PressAsync("Escape");
        await Expect(PreviewDialog).ToBeHiddenAsync();

        await OpenPreviewAsync("main.py");
        await Expect(Page.FrameLocator("#preview-dialog iframe").Locator("pre")).ToHaveTextAsync("print('hello')\n");
    }

    [Fact]
    public async Task OtherTypes_ShowTheirIconAndDetails()
    {
        var user = await NewUserAsync();
        await user.UploadAsync("backup.zip", "PK not really");
        await Page.SignInAsync(user);

        await OpenPreviewAsync("backup.zip");

        await Expect(PreviewDialog.GetByRole(AriaRole.Img, new() { Name = "Archive" })).ToBeVisibleAsync();
        await Expect(PreviewDialog.GetByText("No preview for this type of file.")).ToBeVisibleAsync();
        var download = await Page.RunAndWaitForDownloadAsync(() => PreviewDialog.GetByRole(AriaRole.Link, new() { Name = "Download" }).ClickAsync());
        Assert.Equal("backup.zip", download.SuggestedFilename);
    }

    [Fact]
    public async Task GridView_ShowsThumbnails_IsRemembered_AndOpensTheLightbox()
    {
        var user = await NewUserAsync();
        var photo = await user.UploadAsync("photo.png", TestFiles.Png(640, 480));
        await user.UploadAsync("notes.txt", "text");
        await WaitForThumbnailAsync(user, photo.Id);
        await Page.SignInAsync(user);

        var gridButton = Page.GetByRole(AriaRole.Button, new() { Name = "Grid view" });
        await gridButton.ClickAsync();

        await Expect(gridButton).ToHaveAttributeAsync("aria-pressed", "true");
        var thumbnail = Page.Row("photo.png").Locator("img.thumb");
        await Expect(thumbnail).ToHaveJSPropertyAsync("naturalWidth", 320);
        await Expect(Page.Row("notes.txt").Locator("img.thumb")).ToHaveCountAsync(0);
        await Expect(Page.Row("notes.txt").GetByRole(AriaRole.Img, new() { Name = "Text" })).ToBeVisibleAsync();

        await Page.ReloadAsync();
        await Page.WaitForFilesScriptAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Grid view" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(Page.Locator("#listing")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("grid-view"));
        await Expect(thumbnail).ToHaveJSPropertyAsync("naturalWidth", 320);

        await Page.Row("photo.png").GetByRole(AriaRole.Link, new() { Name = "photo.png" }).ClickAsync();
        await Expect(PreviewDialog.GetByRole(AriaRole.Img, new() { Name = "photo.png" })).ToHaveJSPropertyAsync("naturalWidth", 640);
        await Page.Keyboard.PressAsync("Escape");

        await Page.GetByRole(AriaRole.Button, new() { Name = "List view" }).ClickAsync();
        await Expect(Page.Locator("#listing")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("grid-view"));
        await Expect(Page.Locator("img.thumb")).ToHaveCountAsync(0);
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task PreviewAndGrid_MeetWcagAA(ColorScheme scheme)
    {
        await Page.EmulateMediaAsync(new() { ColorScheme = scheme });
        var user = await NewUserAsync();
        await user.UploadAsync("a.png", TestFiles.Png(200, 100));
        await user.UploadAsync("b.png", TestFiles.Png(100, 200));
        await user.UploadAsync("notes.md", "# Notes");
        await user.UploadAsync("data.bin", "x");
        await Page.SignInAsync(user);

        await OpenPreviewAsync("a.png");
        await Expect(PreviewDialog.GetByRole(AriaRole.Img, new() { Name = "a.png" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("lightbox");
        await Page.Keyboard.PressAsync("Escape");
        await OpenPreviewAsync("notes.md");
        await Expect(Page.FrameLocator("#preview-dialog iframe").GetByRole(AriaRole.Heading, new() { Name = "Notes" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("Markdown preview");
        await Page.Keyboard.PressAsync("Escape");
        await OpenPreviewAsync("data.bin");
        await AssertAccessibleAsync("preview of a file without one");
        await Page.Keyboard.PressAsync("Escape");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Grid view" }).ClickAsync();
        await AssertAccessibleAsync("grid view");
    }

    [Theory]
    [InlineData(1280, 800, ColorScheme.Light, "gallery-desktop-light.png", "lightbox-desktop-light.png")]
    [InlineData(390, 844, ColorScheme.Dark, "gallery-phone-dark.png", "lightbox-phone-dark.png")]
    public async Task GridAndLightbox_FitTheScreen(int width, int height, ColorScheme scheme, string gridFile, string lightboxFile)
    {
        var user = await NewUserAsync();
        SKColor[] colors = [SKColors.SteelBlue, SKColors.Coral, SKColors.SeaGreen, SKColors.Goldenrod, SKColors.MediumPurple];
        ItemDto? last = null;
        for (var i = 0; i < colors.Length; i++)
            last = await user.UploadAsync($"IMG_20{40 + i}.png", Picture(800 + i * 40, 600, colors[i]));
        await user.UploadAsync("Contract.pdf", TestFiles.Pdf());
        await user.UploadAsync("notes.md", "# Notes");
        await user.CreateFolderAsync("Albums");
        await WaitForThumbnailAsync(user, last!.Id);
        await Page.SetViewportSizeAsync(width, height);
        await Page.EmulateMediaAsync(new() { ColorScheme = scheme });
        await Page.SignInAsync(user);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Grid view" }).ClickAsync();
        foreach (var thumbnail in await Page.Locator("img.thumb").AllAsync())
            await Expect(thumbnail).ToHaveJSPropertyAsync("naturalWidth", 320);
        await Page.Mouse.MoveAsync(0, 0);
        await SaveScreenshotAsync(gridFile);

        await Page.Row("IMG_2042.png").GetByRole(AriaRole.Link, new() { Name = "IMG_2042.png" }).ClickAsync();
        await Expect(PreviewDialog.GetByRole(AriaRole.Img, new() { Name = "IMG_2042.png" })).ToHaveJSPropertyAsync("naturalWidth", 880);
        await SaveScreenshotAsync(lightboxFile);
    }

    /// <summary>A sky of <paramref name="color"/> over a darker hill with a pale sun: something to look at in the screenshots.</summary>
    private static byte[] Picture(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var sky = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, height), [color, SKColors.White], SKShaderTileMode.Clamp) };
            canvas.DrawRect(0, 0, width, height, sky);
            using var sun = new SKPaint { Color = new SKColor(255, 244, 214), IsAntialias = true };
            canvas.DrawCircle(width * 0.7f, height * 0.35f, height * 0.12f, sun);
            using var hill = new SKPaint { Color = color.WithAlpha(255).WithRed((byte)(color.Red / 2)).WithGreen((byte)(color.Green / 2)).WithBlue((byte)(color.Blue / 2)), IsAntialias = true };
            canvas.DrawOval(width * 0.3f, height * 1.05f, width * 0.6f, height * 0.4f, hill);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private async Task SaveScreenshotAsync(string fileName)
    {
        var overflow = await Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than the screen.");
        var png = await Page.ScreenshotAsync();
        if (Environment.GetEnvironmentVariable("COFFER_SCREENSHOTS_DIR") is { Length: > 0 } directory)
            await File.WriteAllBytesAsync(Path.Combine(directory, fileName), png, Cancellation);
    }

    private async Task AssertAccessibleAsync(string what)
    {
        // Not inside the frames: they hold the user's content, and a sandboxed frame runs no script, axe's included (it would wait for it forever).
        var result = await Page.RunAxe(new AxeRunOptions
        {
            Iframes = false,
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
        });
        var problems = result.Violations.SelectMany(v => v.Nodes.Select(n => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" ", n.Target)} — {n.Html}"));
        Assert.True(result.Violations.Length == 0, $"Accessibility violations in the {what}:{Environment.NewLine}" + string.Join(Environment.NewLine, problems));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        for (var waited = TimeSpan.Zero; waited < DefaultTimeout; waited += TimeSpan.FromMilliseconds(100))
        {
            if (condition())
                return;
            await Task.Delay(100, Cancellation);
        }
        Assert.Fail(failure);
    }

    /// <summary>The server runs its jobs on the real clock: the thumbnail is ready within a few of the job's 5-second turns.</summary>
    private static async Task WaitForThumbnailAsync(TestUser user, string itemId)
    {
        for (var i = 0; i < 150; i++)
        {
            if ((await user.Client.GetAsync($"/api/v1/items/{itemId}/thumbnail", Cancellation)).IsSuccessStatusCode)
                return;
            await Task.Delay(200, Cancellation);
        }
        Assert.Fail("The thumbnail was not made.");
    }
}
