using Coffer.Core;
using Coffer.Core.Accounts;
using Coffer.Core.Quotas;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Mvc;

namespace Coffer.Server.Web.Pages;

/// <summary>The account: storage used, password, and personal access tokens for API clients.</summary>
public sealed class SettingsModel(AccountService accounts, AccessTokenService tokens, QuotaService quotas) : FormPage
{
    public User Account { get; private set; } = null!;
    public long UsedBytes { get; private set; }

    /// <summary>The quota that applies (their own or the default); null when unlimited.</summary>
    public long? QuotaBytes { get; private set; }
    public IReadOnlyList<AccessTokenInfo> Tokens { get; private set; } = [];

    /// <summary>A token just created: its secret is on this one answer and nowhere else.</summary>
    public NewAccessToken? Created { get; private set; }

    [BindProperty] public string? CurrentPassword { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty(Name = "name")] public string? TokenName { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var user = await accounts.ChangePasswordAsync(User.UserId(), CurrentPassword, NewPassword, cancellationToken);
            await BrowserSessions.RenewAsync(HttpContext, user); // this session goes on, as persistent as it was; the others end
            TempData.Success("Your password has been changed. Other browsers signed in to your account have been signed out.");
            return RedirectToPage();
        }
        catch (CofferException e)
        {
            await LoadAsync(cancellationToken);
            return Fail(e, "currentPassword", "newPassword");
        }
    }

    public async Task<IActionResult> OnPostCreateTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            Created = await tokens.CreateForAsync(User.UserId(), TokenName, cancellationToken);
            TokenName = null;
        }
        catch (CofferException e)
        {
            await LoadAsync(cancellationToken);
            return Fail(e, "name");
        }
        await LoadAsync(cancellationToken);
        Response.Headers.CacheControl = "no-store"; // the secret must not stay in a cache
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid tokenId, CancellationToken cancellationToken)
    {
        try
        {
            await tokens.RevokeAsync(User.UserId(), tokenId, cancellationToken);
            TempData.Success("The token has been revoked. Clients using it can no longer sign in with it.");
        }
        catch (NotFoundException)
        {
            TempData.Error("That token no longer exists.");
        }
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var userId = User.UserId();
        Account = await accounts.GetAsync(userId, cancellationToken);
        var usage = await quotas.UsageAsync(userId, cancellationToken);
        UsedBytes = usage.UsedBytes;
        QuotaBytes = usage.QuotaBytes;
        Tokens = await tokens.ListAsync(userId, cancellationToken);
    }
}
