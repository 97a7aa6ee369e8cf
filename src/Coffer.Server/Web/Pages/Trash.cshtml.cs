using Coffer.Core;
using Coffer.Core.Drive;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Web.Pages;

/// <summary>The caller's trash: restore an entry to its place, delete one for good, or empty it all (plain forms, confirmed by app.js).</summary>
public sealed class TrashModel(TrashService trash, IOptions<TrashOptions> options) : PageModel
{
    public IReadOnlyList<TrashEntry> Entries { get; private set; } = [];

    public Guid UserId => User.UserId();

    public int RetentionDays => options.Value.RetentionDays;

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Entries = await trash.ListAsync(User.UserId(), cancellationToken);

    public async Task<IActionResult> OnPostRestoreAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            var item = await trash.RestoreAsync(User.UserId(), id.ToString(), cancellationToken);
            TempData.Success($"“{item.Name}” is back in its folder.");
        }
        catch (NotFoundException)
        {
            TempData.Error("That item is no longer in the trash.");
        }
        catch (CofferException ex)
        {
            TempData.Error(ex.Title);
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, string? name, CancellationToken cancellationToken)
    {
        try
        {
            await trash.DeleteForeverAsync(User.UserId(), id.ToString(), cancellationToken);
            TempData.Success(name is null ? "Deleted for good." : $"“{name}” was deleted for good.");
        }
        catch (NotFoundException)
        {
            TempData.Error("That item is no longer in the trash.");
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostEmptyAsync(CancellationToken cancellationToken)
    {
        var count = await trash.EmptyAsync(User.UserId(), cancellationToken);
        TempData.Success(count == 1 ? "1 item was deleted for good." : $"{count} items were deleted for good.");
        return RedirectToPage();
    }
}
