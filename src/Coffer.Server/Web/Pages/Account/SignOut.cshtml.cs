using Coffer.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages.Account;

/// <summary>Signing out is a POST (with the antiforgery token), so a link on another site cannot do it.</summary>
[AllowAnonymous]
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => Redirect(User.Identity?.IsAuthenticated == true ? "/files" : "/signin");

    public async Task<IActionResult> OnPostAsync()
    {
        await BrowserSessions.SignOutAsync(HttpContext);
        TempData.Success("You are signed out.");
        return Redirect("/signin");
    }
}
