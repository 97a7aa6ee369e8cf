using Coffer.Core;
using Coffer.Core.Accounts;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Web.Pages.Account;

[AllowAnonymous]
public sealed class SignInModel(AccountService accounts, IOptions<AccountOptions> options) : FormPage
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public bool Remember { get; set; } = true;
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public bool RegistrationOpen => options.Value.Registration == RegistrationMode.Open;

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? RedirectToLocal(ReturnUrl) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            var user = await accounts.VerifyPasswordAsync(Email, Password, cancellationToken);
            await BrowserSessions.SignInAsync(HttpContext, user, Remember);
            return RedirectToLocal(ReturnUrl);
        }
        catch (CofferException e)
        {
            return Fail(e);
        }
    }
}
