namespace Coffer.Server.Api;

/// <summary>The REST API under /api/v1: anonymous auth endpoints, then everything that needs a signed-in user.</summary>
public static class ApiModule
{
    public static IServiceCollection AddCofferApi(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapCofferApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1");
        api.MapAuthEndpoints().AllowAnonymous();
        api.MapSignedDownloadEndpoints().AllowAnonymous();

        var signedIn = api.MapGroup("").RequireAuthorization();
        signedIn.MapAccountEndpoints();
        signedIn.MapItemEndpoints();
        return api;
    }
}
