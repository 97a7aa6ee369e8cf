using System.IO.Compression;
using System.Net.Http.Json;
using Coffer.E2E.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Coffer.Server.Shares;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>Share links as people use them: made in the files page, opened in a browser that has never signed in.</summary>
public sealed class ShareTests : BrowserTest, IClassFixture<CofferServer>
{
    private readonly BrowserFixture _browser;

    public ShareTests(BrowserFixture browser, CofferServer server)
        : base(browser, server) => _browser = browser;

    /// <summary>A second browser context with no cookies at all: someone the link was sent to.</summary>
    private async Task<IPage> VisitorAsync()
    {
        var context = await _browser.Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout((float)DefaultTimeout.TotalMilliseconds);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                _visitorErrors.Add(message.Text);
        };
        page.PageError += (_, error) => _visitorErrors.Add(error);
        return page;
    }

    private readonly System.Collections.Concurrent.ConcurrentBag<string> _visitorErrors = [];

    /// <summary>The visitor's page ran every script and loaded every preview its policy allows, and nothing it refuses.</summary>
    private async Task CloseVisitorAsync(IPage visitor)
    {
        await visitor.Context.CloseAsync();
        Assert.Empty(_visitorErrors);
    }

    private static async Task<CreatedShareDto> ShareAsync(TestUser owner, string itemId, object body)
    {
        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{itemId}/shares", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreatedShareDto>())!;
    }

    private async Task<byte[]> SaveAsync(IDownload download, string name)
    {
        var path = Path.Combine(Server.DataDir, name);
        await download.SaveAsAsync(path);
        return await File.ReadAllBytesAsync(path, Cancellation);
    }

    [Fact]
    public async Task ShareDialog_CreatesALink_ThatASignedOutBrowserOpensAndDownloads()
    {
        var owner = await NewUserAsync();
        await owner.UploadAsync("hello.txt", "hello from the owner");
        await Page.SignInAsync(owner);
        await Expect(Page.Locator("#link-dialog")).ToHaveAttributeAsync("data-ready", "true");

        await Page.Row("hello.txt").Locator("td.size").ClickAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Share link" }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Share “hello.txt”" });
        await dialog.GetByLabel("Expires after (days)").FillAsync("3");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        var urlBox = dialog.Locator("#link-url");
        await Expect(urlBox).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/s/[A-Za-z0-9_-]{32}$"));
        var url = await urlBox.InputValueAsync();

        var visitor = await VisitorAsync();
        await visitor.GotoAsync(url);
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "hello.txt" })).ToBeVisibleAsync();
        var download = await visitor.RunAndWaitForDownloadAsync(() => visitor.GetByRole(AriaRole.Link, new() { Name = "Download" }).ClickAsync());

        Assert.Equal("hello.txt", download.SuggestedFilename);
        Assert.Equal("hello from the owner"u8.ToArray(), await SaveAsync(download, "shared-hello.txt"));
        await CloseVisitorAsync(visitor);

        await GoToAsync("/shares");
        var row = Page.Locator("#shares-table tbody tr");
        await Expect(row).ToContainTextAsync("/hello.txt");
        await Expect(row.Locator("td.use")).ToHaveTextAsync("1 download");
    }

    [Fact]
    public async Task PasswordLink_AsksFirst_RefusesAWrongOne_ThenOpens()
    {
        var owner = await NewUserAsync();
        var file = await owner.UploadAsync("plan.txt", "the secret plan");
        var share = await ShareAsync(owner, file.Id, new { password = "swordfish" });
        var visitor = await VisitorAsync();

        await visitor.GotoAsync(share.Url);
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "This link is protected" })).ToBeVisibleAsync();
        await Expect(visitor.GetByText("plan.txt")).ToHaveCountAsync(0);
        await visitor.GetByLabel("Password").FillAsync("tuna");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
        await Expect(visitor.GetByRole(AriaRole.Alert).Filter(new() { HasText = "That password is not right." })).ToBeVisibleAsync();
        await visitor.GetByLabel("Password").FillAsync("swordfish");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();

        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "plan.txt" })).ToBeVisibleAsync();
        var download = await visitor.RunAndWaitForDownloadAsync(() => visitor.GetByRole(AriaRole.Link, new() { Name = "Download" }).ClickAsync());
        Assert.Equal("the secret plan"u8.ToArray(), await SaveAsync(download, "plan.txt"));
        await CloseVisitorAsync(visitor);
    }

    [Fact]
    public async Task FolderLink_BrowsesSubfolders_AndDownloadsTheWholeFolderAsAZip()
    {
        var owner = await NewUserAsync();
        var folder = await owner.CreateFolderAsync("Holiday");
        await owner.UploadAsync("notes.txt", "day one", folder.Id);
        var sub = await owner.CreateFolderAsync("Photos", folder.Id);
        await owner.UploadAsync("beach.txt", "sand", sub.Id);
        var share = await ShareAsync(owner, folder.Id, new { });
        var visitor = await VisitorAsync();

        await visitor.GotoAsync(share.Url);
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Holiday", Level = 1 })).ToBeVisibleAsync();
        await visitor.GetByRole(AriaRole.Link, new() { Name = "Photos", Exact = true }).ClickAsync();
        await Expect(visitor.GetByRole(AriaRole.Link, new() { Name = "beach.txt", Exact = true })).ToBeVisibleAsync();
        await visitor.GetByRole(AriaRole.Navigation, new() { Name = "Breadcrumb" }).GetByRole(AriaRole.Link, new() { Name = "Holiday" }).ClickAsync();
        await Expect(visitor.GetByRole(AriaRole.Link, new() { Name = "notes.txt", Exact = true })).ToBeVisibleAsync();

        var download = await visitor.RunAndWaitForDownloadAsync(() => visitor.GetByRole(AriaRole.Link, new() { Name = "Download all (zip)" }).ClickAsync());

        Assert.Equal("Holiday.zip", download.SuggestedFilename);
        using var zip = new ZipArchive(new MemoryStream(await SaveAsync(download, "holiday.zip")));
        Assert.Equal(["Photos/beach.txt", "notes.txt"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        await CloseVisitorAsync(visitor);
    }

    [Fact]
    public async Task FileRequest_VisitorSendsAFile_SeeingNothingThatIsThere()
    {
        var owner = await NewUserAsync();
        var folder = await owner.CreateFolderAsync("Inbox");
        await owner.UploadAsync("private.txt", "mine", folder.Id);
        var share = await ShareAsync(owner, folder.Id, new { kind = "request" });
        var visitor = await VisitorAsync();

        await visitor.GotoAsync(share.Url);
        await Expect(visitor.Locator("#share-request")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(visitor.GetByText("private.txt")).ToHaveCountAsync(0);
        await visitor.Locator("#request-files").SetInputFilesAsync(new FilePayload { Name = "from-visitor.txt", MimeType = "text/plain", Buffer = "dropped"u8.ToArray() });

        await Expect(visitor.Locator("#sent-list li").Filter(new() { HasText = "from-visitor.txt" })).ToContainTextAsync("Sent");
        Assert.Contains("from-visitor.txt", (await owner.ChildrenAsync(folder.Id)).Items.Select(i => i.Name));
        await CloseVisitorAsync(visitor);
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task SharePages_MeetWcagAA(ColorScheme scheme)
    {
        await Page.EmulateMediaAsync(new() { ColorScheme = scheme });
        var owner = await NewUserAsync();
        var folder = await owner.CreateFolderAsync("Album");
        var file = await owner.UploadAsync("notes.txt", "some notes", folder.Id);
        var link = await ShareAsync(owner, folder.Id, new { maxDownloads = 3 });
        var locked = await ShareAsync(owner, file.Id, new { password = "pw" });
        var request = await ShareAsync(owner, folder.Id, new { kind = "request", maxFiles = 5 });
        var revoked = await ShareAsync(owner, file.Id, new { });
        (await owner.Client.DeleteAsync($"/api/v1/shares/{revoked.Id}")).EnsureSuccessStatusCode();

        await Page.SignInAsync(owner);
        await Expect(Page.Locator("#link-dialog")).ToHaveAttributeAsync("data-ready", "true");
        await Page.Row("Album").Locator("td.size").ClickAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Share link" }).ClickAsync();
        await AssertAccessibleAsync("share dialog");
        await Page.GetByLabel("File request (others send files here)").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create file request" }).ClickAsync();
        await Expect(Page.Locator("#link-url")).ToBeVisibleAsync();
        await AssertAccessibleAsync("share dialog with the new address");
        await GoToAsync("/shares");
        await AssertAccessibleAsync("shared links");

        await GoToAsync(new Uri(link.Url).AbsolutePath);
        await AssertAccessibleAsync("shared folder");
        await GoToAsync(new Uri(link.Url).AbsolutePath + "?path=%2Fnotes.txt");
        await AssertAccessibleAsync("file in a shared folder");
        await GoToAsync(new Uri(locked.Url).AbsolutePath);
        await AssertAccessibleAsync("password form");
        await Page.GetByLabel("Password").FillAsync("wrong");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "not right" })).ToBeVisibleAsync();
        await AssertAccessibleAsync("password form with an error");
        await GoToAsync(new Uri(request.Url).AbsolutePath);
        await AssertAccessibleAsync("file request");
        await GoToAsync(new Uri(revoked.Url).AbsolutePath);
        await AssertAccessibleAsync("410 page");
        await GoToAsync("/s/" + new string('x', 32));
        await AssertAccessibleAsync("404 share page");
    }

    private async Task AssertAccessibleAsync(string what)
    {
        var result = await Page.RunAxe(new AxeRunOptions
        {
            Iframes = false, // previews are user content in a script-free sandbox: axe cannot run there (and they are not the page)
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
        });
        var problems = result.Violations.SelectMany(v => v.Nodes.Select(n => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" ", n.Target)} — {n.Html}"));
        Assert.True(result.Violations.Length == 0, $"Accessibility violations on the {what} page:{Environment.NewLine}" + string.Join(Environment.NewLine, problems));
    }
}
