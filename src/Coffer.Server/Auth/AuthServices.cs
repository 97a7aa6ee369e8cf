using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Coffer.Server.Auth;

/// <summary>
/// Who is calling: API clients send a personal access token (Bearer), browsers carry a session
/// cookie. One policy scheme picks between them per request, so every endpoint accepts both.
/// </summary>
public static class AuthServices
{
    /// <summary>The default scheme: Bearer when an Authorization header is present, otherwise the session cookie.</summary>
    public const string SchemeName = "Coffer";

    public static IServiceCollection AddCofferAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(SchemeName)
            .AddPolicyScheme(SchemeName, "Token or session", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? AccessTokenAuthenticationHandler.SchemeName : BrowserSessions.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(AccessTokenAuthenticationHandler.SchemeName, null)
            .AddCookie(BrowserSessions.SchemeName, BrowserSessions.Configure);
        services.AddAuthorization();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "coffer.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.HeaderName = AntiforgeryHeader;
        });
        return services;
    }

    /// <summary>The header the web UI's scripts send the antiforgery token in.</summary>
    public const string AntiforgeryHeader = "X-Coffer-Antiforgery";

    /// <summary>The signed-in user's id; only called behind RequireAuthorization.</summary>
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in."));

    /// <summary>
    /// A state-changing API call made with the session cookie must carry the antiforgery token
    /// (a cross-site page could otherwise make the browser send the cookie); token callers need none.
    /// </summary>
    public static async ValueTask<object?> RequireAntiforgeryForSessions(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.Identity is { IsAuthenticated: true, AuthenticationType: BrowserSessions.SchemeName }
            && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method))
        {
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(http))
                throw new Core.ForbiddenException("The request's antiforgery token is missing or invalid.", "Reload the page and try again.");
        }
        return await next(context);
    }
}
