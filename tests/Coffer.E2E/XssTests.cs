using System.Collections.Concurrent;
using System.Text;
using Coffer.E2E.Infrastructure;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>
/// Stored XSS, proved in Chromium: hostile uploads and hostile names, opened every way a person
/// could (the listing, the preview, the breadcrumbs, the file's own URL in a tab, a page that
/// tries to run it as a script), never run a line of script. Every payload both alerts and asks
/// for /xss-ran; a dialog or such a request fails the test.
/// </summary>
public sealed class XssTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    private const string Payload = "alert('xss');fetch('/xss-ran');";

    private readonly ConcurrentQueue<string> _ran = new();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Page.Dialog += (_, dialog) =>
        {
            _ran.Enqueue("dialog: " + dialog.Message);
            _ = dialog.DismissAsync();
        };
        await Context.RouteAsync("**/xss-ran**", route =>
        {
            _ran.Enqueue("request: " + route.Request.Url);
            return route.FulfillAsync(new() { Status = 204 });
        });
    }

    private void AssertNothingRan() => Assert.Empty(_ran);

    [Fact]
    public async Task HostileNames_AreText_InTheListingTheBreadcrumbsAndThePreview()
    {
        const string folderName = "<svg onload=alert('folder')>";
        const string fileName = "<img src=x onerror=alert('file')>.png";
        var user = await NewUserAsync();
        var folder = await user.CreateFolderAsync(folderName);
        await user.UploadAsync(fileName, TestFiles.Png(60, 40), folder.Id);
        await user.CreateFolderAsync("inner", folder.Id);
        await Page.SignInAsync(user);

        await Expect(Page.Row(folderName)).ToBeVisibleAsync();
        await Page.Row(folderName).GetByRole(AriaRole.Link, new() { Name = folderName }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = folderName, Level = 1 })).ToBeVisibleAsync();
        await Page.WaitForFilesScriptAsync();
        await Expect(Page.Row(fileName)).ToBeVisibleAsync();
        await Page.Row("inner").GetByRole(AriaRole.Link, new() { Name = "inner" }).ClickAsync();
        await Page.WaitForFilesScriptAsync();
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Breadcrumb" }).GetByRole(AriaRole.Link, new() { Name = folderName })).ToBeVisibleAsync();
        await Page.GoBackAsync();
        await Page.WaitForFilesScriptAsync();

        await Page.Row(fileName).GetByRole(AriaRole.Link, new() { Name = fileName }).ClickAsync();
        await Expect(Page.Locator("#preview-title")).ToHaveTextAsync(fileName);
        await Expect(Page.Locator("#preview-dialog .preview-name")).ToHaveTextAsync(fileName);
        await Expect(Page.Locator("#preview-dialog").GetByRole(AriaRole.Img, new() { Name = fileName })).ToHaveJSPropertyAsync("naturalWidth", 60);
        await Page.Keyboard.PressAsync("Escape");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Grid view" }).ClickAsync(); // the tiles show names too
        await Expect(Page.Row(fileName)).ToBeVisibleAsync();

        await Expect(Page.Locator("img[src=x], svg[onload]")).ToHaveCountAsync(0); // no element was made from a name
        AssertNothingRan();
    }

    [Fact]
    public async Task HostileFiles_RunNoScript_InThePreviewInATabOrAsAScript()
    {
        var user = await NewUserAsync();
        var svg = await user.UploadAsync("evil.svg", $"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"{Payload}\"><script>{Payload}</script></svg>");
        var html = await user.UploadAsync("evil.html", $"<!DOCTYPE html><script>{Payload}</script><img src=x onerror=\"{Payload}\">");
        var polyglot = await user.UploadAsync("polyglot.gif", [.. "GIF89a/*"u8, 1, 0, 1, 0, 0, 0, 0, .. Encoding.ASCII.GetBytes($"*/=1;{Payload}")]);
        var fakeJpeg = await user.UploadAsync("photo.jpg", $"<!DOCTYPE html><script>{Payload}</script><img src=x onerror=\"{Payload}\">");
        var markdown = await user.UploadAsync("notes.md",
            $"# Notes\n\n<script>{Payload}</script>\n\n<img src=x onerror=\"{Payload}\">\n\n[click](javascript:{Payload})\n");
        var script = await user.UploadAsync("tool.js", Payload);
        await Page.SignInAsync(user);

        // The app's previews of what may be shown.
        foreach (var item in new[] { polyglot, fakeJpeg, markdown, script })
        {
            await Page.Row(item.Name).GetByRole(AriaRole.Link, new() { Name = item.Name }).ClickAsync();
            await Expect(Page.Locator("#preview-title")).ToHaveTextAsync(item.Name);
            await Expect(Page.Locator("#preview-dialog .preview-details")).ToBeVisibleAsync();
            if (item == markdown)
            {
                var frame = Page.FrameLocator("#preview-dialog iframe");
                await Expect(frame.GetByRole(AriaRole.Heading, new() { Name = "Notes" })).ToBeVisibleAsync();
                await frame.GetByRole(AriaRole.Link, new() { Name = "click" }).ClickAsync(); // a javascript: link would run now
            }
            await Page.GetByRole(AriaRole.Button, new() { Name = "Close preview" }).ClickAsync(); // Esc would reach the frame that has focus
            await Expect(Page.Locator("#preview-dialog")).ToBeHiddenAsync();
        }

        // The files' own URLs, opened in a tab.
        foreach (var url in new[]
                 {
                     $"/api/v1/items/{polyglot.Id}/content?inline=true", $"/api/v1/items/{fakeJpeg.Id}/content?inline=true",
                     $"/api/v1/items/{markdown.Id}/content?inline=true", $"/api/v1/items/{markdown.Id}/preview",
                     $"/api/v1/items/{script.Id}/content?inline=true",
                 })
        {
            var response = await GoToAsync(url);
            Assert.Equal(200, response.Status);
        }
        foreach (var item in new[] { svg, html })
        {
            var download = await Page.RunAndWaitForDownloadAsync(async () =>
            {
                try
                {
                    await Page.GotoAsync($"/api/v1/items/{item.Id}/content?inline=true");
                }
                catch (PlaywrightException)
                {
                    // "Download is starting": the browser saves it instead of showing it, which is the point
                }
            });
            Assert.Equal(item.Name, download.SuggestedFilename);
        }

        // A page of Coffer's origin (as if markup were injected into one) that loads them as scripts: refused (nosniff, wrong type).
        await Page.RouteAsync("**/e2e-script-probe", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"<!DOCTYPE html><title>probe</title><script src=\"/api/v1/items/{polyglot.Id}/content?inline=true\"></script>" +
                $"<script src=\"/api/v1/items/{script.Id}/content?inline=true\"></script><script src=\"/api/v1/items/{fakeJpeg.Id}/content\"></script>",
        }));
        await GoToAsync("/e2e-script-probe");
        await Expect(Page).ToHaveTitleAsync("probe");

        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        AssertNothingRan();
    }

    [Fact]
    public async Task Sanity_APayloadThatDoesRun_IsCaught()
    {
        // The detector itself: the same payload on a page that lets it run must be seen.
        await Page.RouteAsync("**/e2e-runs", route => route.FulfillAsync(new() { ContentType = "text/html", Body = $"<!DOCTYPE html><script>{Payload}</script>" }));

        await GoToAsync("/e2e-runs");

        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Contains(_ran, r => r.StartsWith("dialog: xss", StringComparison.Ordinal));
        Assert.Contains(_ran, r => r.StartsWith("request: ", StringComparison.Ordinal));
    }
}
