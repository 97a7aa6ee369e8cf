using Coffer.Core;
using Coffer.Core.Shares;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages.Shares;

/// <summary>The owner's shared links and file requests: what each points at, its state and counts, and Revoke.</summary>
public sealed class IndexModel(ShareService shares) : PageModel
{
    public IReadOnlyList<ShareInfo> Shares { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Shares = await shares.ListAsync(User.UserId(), cancellationToken);

    public async Task<IActionResult> OnPostRevokeAsync(Guid shareId, CancellationToken cancellationToken)
    {
        try
        {
            await shares.RevokeAsync(User.UserId(), shareId, cancellationToken);
            TempData.Success("The link has been turned off. Anyone opening it now is told it is no longer available.");
        }
        catch (NotFoundException)
        {
            TempData.Error("That link no longer exists.");
        }
        return RedirectToPage();
    }

    public static string StateLabel(ShareState state) => state switch
    {
        ShareState.Expired => "Expired",
        ShareState.Revoked => "Revoked",
        ShareState.Exhausted => "Used up",
        _ => "Active",
    };

    public static string ItemLink(ShareInfo info) =>
        info.Item.Kind == Core.Drive.ItemKind.Folder
            ? info.Item.IsRoot ? "/files" : $"/files/{info.Item.Id}"
            : info.Item.ParentId == info.Item.OwnerId ? "/files" : $"/files/{info.Item.ParentId}";
}
