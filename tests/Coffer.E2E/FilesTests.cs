using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Coffer.E2E.Infrastructure;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>The dashboard, driven as a person would: upload, download, rename, move, delete, folders, conflicts.</summary>
public sealed partial class FilesTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    [Fact]
    public async Task UploadWithChooser_ProgressReaches100_FileListedWithSizeAndDownloadsIdentical()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

        await Page.Locator("#file-input").SetInputFilesAsync(new FilePayload { Name = "report.pdf", MimeType = "application/pdf", Buffer = content });

        await Page.WaitForUploadsAsync();
        await Expect(Page.Locator("#upload-list progress")).ToHaveAttributeAsync("value", "100");
        await Expect(Page.Locator("#uploads-stats")).ToContainTextAsync("1 of 1 files");
        var row = Page.Row("report.pdf");
        await Expect(row.Locator("td.size")).ToHaveTextAsync("3 MB");
        await Expect(row.GetByRole(AriaRole.Img, new() { Name = "PDF document" })).ToBeVisibleAsync();
        await Expect(Page.Toast("Uploaded 1 file.")).ToBeVisibleAsync();
        await Expect(Page.Locator("#storage-text")).ToHaveTextAsync("3 MB used");

        await row.Locator("td.size").ClickAsync(); // selects it (a click on the name previews it)
        var download = await Page.RunAndWaitForDownloadAsync(() => Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Download" }).ClickAsync());
        Assert.Equal("report.pdf", download.SuggestedFilename);
        var saved = Path.Combine(Server.DataDir, "downloaded.pdf");
        await download.SaveAsAsync(saved);
        Assert.Equal(content, await File.ReadAllBytesAsync(saved, Cancellation));
    }

    [Fact]
    public async Task CancelOneUpload_StopsItAndStoresNothing_WhileTheOthersFinish()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        // Hold back the one upload's request so it is still in flight when it is cancelled.
        var held = new TaskCompletionSource();
        await Page.RouteAsync("**/content?name=stuck.bin*", async route =>
        {
            await held.Task;
            await route.AbortAsync();
        });

        await Page.Locator("#file-input").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "stuck.bin", MimeType = "application/octet-stream", Buffer = new byte[100_000] },
            new FilePayload { Name = "fine.txt", MimeType = "text/plain", Buffer = "fine"u8.ToArray() },
        });
        await Expect(Page.Row("fine.txt")).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Cancel upload of stuck.bin" }).ClickAsync();
        held.SetResult();

        await Expect(Page.Locator("#upload-list li").Filter(new() { HasText = "stuck.bin" }).Locator(".upload-status")).ToHaveTextAsync("Cancelled");
        await Expect(Page.Locator("#uploads-title")).ToHaveTextAsync("Uploads complete");
        Assert.Equal(["fine.txt"], (await user.ChildrenAsync()).Items.Select(i => i.Name));
    }

    [Fact]
    public async Task DropFilesOnPage_UploadsEach_AndDropOnFolderRow_UploadsIntoThatFolder()
    {
        var user = await NewUserAsync();
        await user.CreateFolderAsync("Inbox");
        await Page.SignInAsync(user);

        await DropFilesAsync("#listing", ("one.txt", "first"), ("two.txt", "second file"));
        await Page.WaitForUploadsAsync();
        await Expect(Page.Row("one.txt").Locator("td.size")).ToHaveTextAsync("5 B");
        await Expect(Page.Row("two.txt").Locator("td.size")).ToHaveTextAsync("11 B");

        await DropFilesAsync("#rows tr.item[data-name='Inbox']", ("into-inbox.txt", "hello"));
        await Expect(Page.Toast("Uploaded 1 file.")).ToBeVisibleAsync();
        Assert.Equal(["into-inbox.txt"], (await user.ChildrenAsync((await ByPathAsync(user, "/Inbox")).Id)).Items.Select(i => i.Name));
        await Expect(Page.Row("into-inbox.txt")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task NewFolder_RenameMoveDelete_EachWithAToast()
    {
        var user = await NewUserAsync();
        await user.UploadAsync("draft.txt", "words");
        await Page.SignInAsync(user);

        await Page.GetByRole(AriaRole.Button, new() { Name = "New folder" }).ClickAsync();
        await Page.GetByLabel("Folder name").FillAsync("Archive");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(Page.Toast("Folder “Archive” created.")).ToBeVisibleAsync();
        await Expect(Page.Row("Archive")).ToBeVisibleAsync();

        await Page.Row("draft.txt").Locator("td.size").ClickAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Expect(Page.GetByLabel("New name")).ToHaveValueAsync("draft.txt");
        await Page.GetByLabel("New name").FillAsync("final.txt");
        await Page.GetByLabel("New name").PressAsync("Enter");
        await Expect(Page.Toast("Renamed to “final.txt”.")).ToBeVisibleAsync();
        await Expect(Page.Row("final.txt")).ToBeVisibleAsync();
        await Expect(Page.Row("draft.txt")).ToHaveCountAsync(0);

        await Page.Row("final.txt").Locator("td.size").ClickAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Move" }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "Move to…" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Move to Archive" }).ClickAsync();
        await Expect(Page.Toast("Moved “final.txt” to “Archive”.")).ToBeVisibleAsync();
        await Expect(Page.Row("final.txt")).ToHaveCountAsync(0);

        await Page.Row("Archive").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Archive", Level = 1 })).ToBeVisibleAsync();
        await Page.WaitForFilesScriptAsync();
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Breadcrumb" }).GetByRole(AriaRole.Link, new() { Name = "My files" })).ToBeVisibleAsync();
        await Page.Row("final.txt").Locator("td.size").ClickAsync();
        await Page.SelectionBar().GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        var confirm = Page.GetByRole(AriaRole.Dialog, new() { Name = "Delete “final.txt”?" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(Page.Toast("Moved “final.txt” to the trash.")).ToBeVisibleAsync();
        await Expect(Page.GetByText("This folder is empty")).ToBeVisibleAsync();
        Assert.Empty((await user.ChildrenAsync((await ByPathAsync(user, "/Archive")).Id)).Items);
    }

    [Fact]
    public async Task DragRowOntoFolder_MovesIt()
    {
        var user = await NewUserAsync();
        await user.CreateFolderAsync("Photos");
        await user.UploadAsync("beach.jpg", "not really a jpeg");
        await Page.SignInAsync(user);

        await Page.Row("beach.jpg").DragToAsync(Page.Row("Photos"));

        await Expect(Page.Toast("Moved “beach.jpg” to “Photos”.")).ToBeVisibleAsync();
        await Expect(Page.Row("beach.jpg")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task UploadFolder_RecreatesItsTree()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        var tree = Directory.CreateTempSubdirectory("coffer-e2e-tree-");
        try
        {
            var project = Directory.CreateDirectory(Path.Combine(tree.FullName, "Project"));
            Directory.CreateDirectory(Path.Combine(project.FullName, "src", "deep"));
            await File.WriteAllTextAsync(Path.Combine(project.FullName, "README.md"), "# hi", Cancellation);
            await File.WriteAllTextAsync(Path.Combine(project.FullName, "src", "main.cs"), "class A {}", Cancellation);
            await File.WriteAllTextAsync(Path.Combine(project.FullName, "src", "deep", "notes.txt"), "deep", Cancellation);

            await Page.Locator("#folder-input").SetInputFilesAsync(project.FullName);

            await Page.WaitForUploadsAsync();
            await Expect(Page.Locator("#uploads-stats")).ToContainTextAsync("3 of 3 files");
            await Expect(Page.Row("Project")).ToBeVisibleAsync();
            Assert.Equal(4, (await ByPathAsync(user, "/Project/src/deep/notes.txt")).Size);
            Assert.Equal("file", (await ByPathAsync(user, "/Project/README.md")).Kind);
        }
        finally
        {
            tree.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task UploadOfAnExistingName_AsksAndKeepsBoth_ThenSkips()
    {
        var user = await NewUserAsync();
        await user.UploadAsync("notes.txt", "old");
        await Page.SignInAsync(user);

        await Page.Locator("#file-input").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "newer"u8.ToArray() });
        var dialog = Page.GetByRole(AriaRole.Dialog, new() { Name = "“notes.txt” already exists" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep both" }).ClickAsync();
        await Page.WaitForUploadsAsync();
        await Expect(Page.Row("notes (2).txt")).ToBeVisibleAsync();

        await Page.Locator("#file-input").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "skipped"u8.ToArray() });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Skip" }).ClickAsync();
        await Expect(Page.Locator("#upload-list .upload-status")).ToHaveTextAsync("Skipped");
        var original = await ByPathAsync(user, "/notes.txt");
        Assert.Equal("old", await user.Client.GetStringAsync($"/api/v1/items/{original.Id}/content", Cancellation));
    }

    [Fact]
    public async Task NameConflicts_ShowAnErrorToast_AndLoseNothing()
    {
        var user = await NewUserAsync();
        var folder = await user.CreateFolderAsync("Work");
        await user.UploadAsync("plan.txt", "inside", folder.Id);
        await user.UploadAsync("plan.txt", "outside");
        await Page.SignInAsync(user);

        await Page.GetByRole(AriaRole.Button, new() { Name = "New folder" }).ClickAsync();
        await Page.GetByLabel("Folder name").FillAsync("Work");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(Page.ErrorToast("already")).ToBeVisibleAsync();
        await Expect(Page.Locator("#name-error")).ToContainTextAsync("already");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await Page.Row("plan.txt").DragToAsync(Page.Row("Work"));
        await Expect(Page.ErrorToast("“plan.txt”")).ToBeVisibleAsync();
        await Expect(Page.Row("plan.txt")).ToBeVisibleAsync();
        Assert.Equal(2, (await user.ChildrenAsync()).Items.Count);
    }

    [Fact]
    public async Task Keyboard_ArrowsSelect_EnterOpens_DeleteDeletes()
    {
        var user = await NewUserAsync();
        var folder = await user.CreateFolderAsync("A folder");
        await user.UploadAsync("b.txt", "b");
        await user.UploadAsync("c.txt", "c");
        await user.UploadAsync("inner.txt", "i", folder.Id);
        await Page.SignInAsync(user);

        await Page.Row("A folder").FocusAsync();
        await Page.Keyboard.PressAsync("ArrowDown");
        await Expect(Page.Row("b.txt")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(Page.Row("b.txt")).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Shift+ArrowDown");
        await Expect(Page.Row("c.txt")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(Page.Row("b.txt")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(Page.Locator("#selection-count")).ToHaveTextAsync("2 selected");

        await Page.Keyboard.PressAsync("Delete");
        var confirm = Page.GetByRole(AriaRole.Dialog, new() { Name = "Delete 2 items?" });
        await Expect(confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync(); // the safe choice first
        await Page.Keyboard.PressAsync("Tab");
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.Toast("Moved 2 items to the trash.")).ToBeVisibleAsync();
        await Expect(Page.Locator("#rows tr.item")).ToHaveCountAsync(1);

        await Page.Row("A folder").FocusAsync();
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "A folder", Level = 1 })).ToBeVisibleAsync();
        await Page.WaitForFilesScriptAsync();
        await Expect(Page.Row("inner.txt")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AFolderOf10000Items_OpensWithOnePage_AndLoadsMoreOnScroll_SortedBySize()
    {
        var user = await NewUserAsync();
        var folder = await user.CreateFolderAsync("Big");
        await Server.SeedFilesAsync(user.Id, Guid.Parse(folder.Id), 10_000);
        await Page.SignInAsync(user);

        await GoToAsync($"/files/{folder.Id}");
        await Page.WaitForFilesScriptAsync();
        await Expect(Page.Locator("#rows tr.item")).ToHaveCountAsync(200);
        await Page.Locator("#rows tr.more").ScrollIntoViewIfNeededAsync();
        await Expect(Page.Locator("#rows tr.item")).ToHaveCountAsync(400);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Size" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(SortedBySize());
        await Expect(Page.GetByRole(AriaRole.Columnheader, new() { Name = "Size" })).ToHaveAttributeAsync("aria-sort", "ascending");
        await Expect(Page.Locator("#rows tr.item").First).ToHaveAttributeAsync("data-size", "0");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Size" }).ClickAsync();
        await Expect(Page.Locator("#rows tr.item").First).ToHaveAttributeAsync("data-size", "9999");
    }

    private static async Task<ItemDto> ByPathAsync(TestUser user, string path) =>
        (await user.Client.GetFromJsonAsync<ItemDto>($"/api/v1/items/by-path?path={Uri.EscapeDataString(path)}", Cancellation))!;

    /// <summary>Drops in-memory files on an element the way a browser does when files come from the desktop.</summary>
    private async Task DropFilesAsync(string selector, params (string Name, string Text)[] files)
    {
        var dataTransfer = await Page.EvaluateHandleAsync("""
            (files) => {
              const dt = new DataTransfer();
              for (const [name, text] of files) dt.items.add(new File([text], name, { type: 'text/plain' }));
              return dt;
            }
            """, files.Select(f => new[] { f.Name, f.Text }).ToArray());
        foreach (var type in new[] { "dragenter", "dragover", "drop" })
            await Page.DispatchEventAsync(selector, type, new Dictionary<string, object> { ["dataTransfer"] = dataTransfer });
    }

    [GeneratedRegex(@"\?sort=size&order=asc$")]
    private static partial Regex SortedBySize();
}
