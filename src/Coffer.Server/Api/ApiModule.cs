using Coffer.Core;
using Coffer.Server.Auth;
using Coffer.Server.Shares;

namespace Coffer.Server.Api;

/// <summary>The REST API under /api/v1: anonymous auth endpoints, then everything that needs a signed-in user.</summary>
public static class ApiModule
{
    public static RouteGroupBuilder MapCofferApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1")
            .AddEndpointFilter(RefuseRepeatedQueryParameters)
            .AddEndpointFilter(AuthServices.RequireAntiforgeryForSessions)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapAuthEndpoints().AllowAnonymous();
        api.MapSignedDownloadEndpoints().AllowAnonymous().ProducesProblem(StatusCodes.Status403Forbidden);

        var signedIn = api.MapGroup("").RequireAuthorization().ProducesProblem(StatusCodes.Status401Unauthorized);
        signedIn.MapAccountEndpoints();
        signedIn.MapSearchEndpoints();
        signedIn.MapItemEndpoints().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        signedIn.MapGrantEndpoints().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);
        signedIn.MapShareEndpoints();
        signedIn.MapTrashEndpoints().ProducesProblem(StatusCodes.Status409Conflict);
        signedIn.MapAdminEndpoints();
        endpoints.MapPublicShareEndpoints() // /s/{token}/...: outside /api/v1, the token is the credential
            .AddEndpointFilter(RefuseRepeatedQueryParameters);
        return api;
    }

    /// <summary>"?name=a&amp;name=b" would otherwise bind as "a,b": say so instead of guessing.</summary>
    private static ValueTask<object?> RefuseRepeatedQueryParameters(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var (key, values) in context.HttpContext.Request.Query)
        {
            if (values.Count > 1)
                throw new InvalidInputException($"The query parameter '{key}' was given more than once.", field: key);
        }
        return next(context);
    }
}
