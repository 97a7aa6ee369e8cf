using System.Security.Claims;
using Coffer.Core.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Coffer.Server.Auth;

/// <summary>
/// The web UI's signed-in sessions: an HttpOnly, SameSite=Lax cookie (Secure over HTTPS) holding
/// the user id and security stamp, checked against the account on every request so a changed
/// password or a disabled account ends the session at once.
/// </summary>
public static class BrowserSessions
{
    public const string SchemeName = "Cookies";
    private const string StampClaim = "coffer:stamp";

    /// <summary>How long a "keep me signed in" session lasts without being used.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(14);

    internal static void Configure(CookieAuthenticationOptions o)
    {
        o.Cookie.Name = "coffer.session";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Lax; // Strict would show a signed-out page to anyone following a link from mail or chat
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = Lifetime;
        o.SlidingExpiration = true;
        o.LoginPath = "/signin";
        o.LogoutPath = "/signout";
        o.AccessDeniedPath = "/signin";
        o.ReturnUrlParameter = "returnUrl";
        o.Events = new CookieAuthenticationEvents
        {
            OnValidatePrincipal = ValidateAsync,
            OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized),
            OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden),
        };
    }

    /// <summary>Signs the user in to this browser; the session cookie outlives the browser only when asked to.</summary>
    public static Task SignInAsync(HttpContext context, User user, bool persistent)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(StampClaim, user.SecurityStamp),
        ], SchemeName);
        return context.SignInAsync(SchemeName, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = persistent });
    }

    /// <summary>
    /// Re-issues this browser's session after the user's security stamp changed, so it goes on while
    /// every other session ends; it outlives the browser only if it did before.
    /// </summary>
    public static Task RenewAsync(HttpContext context, User user)
    {
        var persistent = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.IsPersistent ?? false;
        return SignInAsync(context, user, persistent);
    }

    public static Task SignOutAsync(HttpContext context) => context.SignOutAsync(SchemeName);

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var valid = principal is not null
            && Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            && await context.HttpContext.RequestServices.GetRequiredService<AccountService>()
                .IsSessionValidAsync(userId, principal.FindFirstValue(StampClaim), context.HttpContext.RequestAborted);
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SchemeName);
        }
    }

    /// <summary>Pages send the browser to the sign-in page; API calls get a status code and a problem document instead.</summary>
    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
            context.Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
