using Coffer.Core.Accounts;
using Coffer.Core.Drive;
using Coffer.Core.Quotas;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages;

/// <summary>
/// The dashboard: one folder's items, a page at a time. The first page is rendered with the
/// page; the script asks the "Rows" handler for the next ones as the reader scrolls, so a folder
/// of 10,000 items opens as fast as one of ten. Sorting is a link (the order lives in the URL).
/// </summary>
public sealed class FilesModel(ItemLookup lookup, AccountService accounts, DirectTransfers direct, QuotaService quotas) : PageModel
{
    /// <summary>The upload script sends files straight to the object store (see upload.js).</summary>
    public bool DirectUploads => direct.UploadsAvailable;

    public const int PageSize = 200;

    public Item Folder { get; private set; } = null!;

    /// <summary>What the caller may do here: their own folder, or one shared with them (read-only or read-write).</summary>
    public ItemAccess Access { get; private set; } = ItemAccess.Owner;

    public bool CanWrite => Access >= ItemAccess.ReadWrite;

    /// <summary>The access as the API names it (the page script reads it).</summary>
    public string AccessName => Coffer.Server.Api.ItemDto.NameOf(Access);

    /// <summary>In a shared folder: who shared it (null in one's own files).</summary>
    public User? SharedBy { get; private set; }

    /// <summary>The top of what the caller may browse here: their root, or the folder shared with them (for the move dialog).</summary>
    public Item? SharedTop { get; private set; }
    public IReadOnlyList<Item> Ancestors { get; private set; } = [];
    public string FolderPath { get; private set; } = "/";
    public string FolderName => Folder.IsRoot ? "My files" : Folder.Name;
    public ItemPage Listing { get; private set; } = null!;
    public ItemSort Sort { get; private set; }
    public bool Descending { get; private set; }
    public long UsedBytes { get; private set; }

    /// <summary>Rows after the first page (the empty-folder message belongs to the first page only).</summary>
    public bool IsContinuation { get; private set; }
    /// <summary>The caller's quota (their own or the default); null when unlimited.</summary>
    public long? QuotaBytes { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? id, string? sort, string? order, CancellationToken cancellationToken)
    {
        var userId = User.UserId();
        var reached = await lookup.ResolveAsync(userId, id ?? ItemLookup.RootId, cancellationToken);
        var item = reached.Item;
        if (item.Kind == ItemKind.File)
            return Redirect(item.ParentId == userId ? "/files" : $"/files/{item.ParentId}"); // a file's link opens its folder

        await LoadAsync(userId, item, sort, order, cursor: null, cancellationToken);
        Ancestors = await lookup.AncestorsAsync(reached, cancellationToken);
        if (!reached.IsOwner)
        {
            SharedBy = await accounts.GetAsync(item.OwnerId, cancellationToken);
            SharedTop = reached.IsGrantRoot ? item : Ancestors[0];
        }
        var usage = await quotas.UsageAsync(userId, cancellationToken);
        UsedBytes = usage.UsedBytes;
        QuotaBytes = usage.QuotaBytes;
        return Page();
    }

    /// <summary>The next page of rows as an HTML fragment, for scrolling and for refreshing after a change.</summary>
    public async Task<IActionResult> OnGetRowsAsync(string? id, string? sort, string? order, string? cursor, CancellationToken cancellationToken)
    {
        var userId = User.UserId();
        var folder = await lookup.GetFolderAsync(userId, id ?? ItemLookup.RootId, cancellationToken, field: "id");
        await LoadAsync(userId, folder, sort, order, cursor, cancellationToken);
        return Partial("_ItemRows", this);
    }

    /// <summary>The link that sorts by <paramref name="key"/>: ascending first, then flipping.</summary>
    public string SortLink(ItemSort key)
    {
        var descending = key == Sort && !Descending;
        var folder = Folder.IsRoot ? "/files" : $"/files/{Folder.Id}";
        return key == ItemSort.Name && !descending ? folder : $"{folder}?{ItemOrder.Query(key, descending)}";
    }

    /// <summary>aria-sort for a column header.</summary>
    public string? AriaSort(ItemSort key) => key == Sort ? (Descending ? "descending" : "ascending") : null;

    /// <summary>The first page of rows in this order (the script reloads it after a change).</summary>
    public string RowsUrl() => $"/files/{(Folder.IsRoot ? "root" : Folder.Id.ToString())}?handler=rows&{ItemOrder.Query(Sort, Descending)}";

    public string RowsUrl(string cursor) => $"{RowsUrl()}&cursor={Uri.EscapeDataString(cursor)}";

    public static string Link(Item item) => item.Kind == ItemKind.Folder ? $"/files/{item.Id}" : $"/api/v1/items/{item.Id}/content";

    private async Task LoadAsync(Guid userId, Item folder, string? sort, string? order, string? cursor, CancellationToken cancellationToken)
    {
        Folder = folder;
        IsContinuation = cursor is not null;
        Sort = ItemOrder.ParseSort(sort); // a hand-edited unknown order is a 400 page naming the parameter
        Descending = ItemOrder.ParseDescending(order);
        Listing = await lookup.ListChildrenAsync(userId, folder.Id.ToString(), PageSize, cursor, cancellationToken, Sort, Descending);
        FolderPath = Listing.FolderPath;
        Access = Listing.Access;
    }
}
