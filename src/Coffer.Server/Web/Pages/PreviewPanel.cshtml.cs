using Coffer.Core;
using Coffer.Core.Drive;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages;

/// <summary>The preview panel's content for one of the signed-in user's files, as an HTML fragment the dashboard shows in its dialog.</summary>
public sealed class PreviewPanelModel(ItemLookup lookup) : PageModel
{
    public PreviewModel Preview { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var item = await lookup.GetAsync(User.UserId(), id, cancellationToken);
        if (item.Kind != ItemKind.File)
            throw new NotFoundException();
        Preview = PreviewModel.ForApp(item);
        return Page();
    }
}
