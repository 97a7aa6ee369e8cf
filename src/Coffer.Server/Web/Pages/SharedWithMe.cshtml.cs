using Coffer.Core;
using Coffer.Core.Shares;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages;

/// <summary>"Shared with me": the folders other people shared with the caller; each opens in the Files view, and can be left.</summary>
public sealed class SharedWithMeModel(GrantService grants) : PageModel
{
    public IReadOnlyList<SharedFolder> Folders { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Folders = await grants.SharedWithMeAsync(User.UserId(), cancellationToken);

    /// <summary>Stops seeing a shared folder (the owner can share it again).</summary>
    public async Task<IActionResult> OnPostLeaveAsync(Guid grantId, string? name, CancellationToken cancellationToken)
    {
        try
        {
            await grants.RemoveAsync(User.UserId(), grantId.ToString(), cancellationToken);
            TempData.Success(name is null ? "You left the shared folder." : $"You left “{name}”.");
        }
        catch (NotFoundException)
        {
            TempData.Error("That folder is no longer shared with you.");
        }
        return RedirectToPage();
    }
}
