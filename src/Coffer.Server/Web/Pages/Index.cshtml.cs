using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages;

/// <summary>The front door: the files for someone signed in, the sign-in page for anyone else.</summary>
[AllowAnonymous]
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => Redirect(User.Identity?.IsAuthenticated == true ? "/files" : "/signin");
}
