using Coffer.Core;
using Coffer.Core.Accounts;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Coffer.Server.Web.Pages.Account;

[AllowAnonymous]
public sealed class SignUpModel(AccountService accounts) : FormPage
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? DisplayName { get; set; }
    [BindProperty] public string? Password { get; set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? RedirectToLocal(null) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            var user = await accounts.RegisterAsync(Email, Password, DisplayName, cancellationToken);
            await BrowserSessions.SignInAsync(HttpContext, user, persistent: true);
            TempData.Success("Welcome to Coffer! Drop files anywhere on this page to upload them.");
            return RedirectToLocal(null);
        }
        catch (CofferException e)
        {
            return Fail(e, "email", "password", "displayName");
        }
    }
}
