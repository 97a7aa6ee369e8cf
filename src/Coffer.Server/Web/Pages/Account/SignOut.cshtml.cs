using Coffer.Server.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages.Account;

/// <summary>
/// Signing out is a POST (with the antiforgery token), so a link on another site cannot do it.
/// A session that has already ended (its password was changed in another browser) has nothing left
/// to protect, and its page's token no longer matches anyone: that browser just goes to the sign-in page.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken] // checked below, while there is a session to end
public sealed class SignOutModel(IAntiforgery antiforgery) : PageModel
{
    public IActionResult OnGet() => Redirect(User.Identity?.IsAuthenticated == true ? "/files" : "/signin");

    public async Task<IActionResult> OnPostAsync()
    {
        if (User.Identity?.IsAuthenticated == true)
        {
            if (!await antiforgery.IsRequestValidAsync(HttpContext))
                return BadRequest(); // the error page, as for any form without a valid token
            await BrowserSessions.SignOutAsync(HttpContext);
        }
        TempData.Success("You are signed out.");
        return Redirect("/signin");
    }
}
