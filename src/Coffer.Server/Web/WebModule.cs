using Coffer.Core.Crypto;
using Coffer.Core.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web;

/// <summary>
/// The web UI: server-rendered Razor Pages under Web/Pages, small ES modules and CSS from wwwroot.
/// Pages get their own Content-Security-Policy; errors on page requests render the error page
/// instead of a problem document.
/// </summary>
public static class WebModule
{
    public static IServiceCollection AddCofferWeb(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Web/Pages";
            o.Conventions.AuthorizeFolder("/"); // every page needs a signed-in user unless it says [AllowAnonymous]
            o.Conventions.ConfigureFilter(new RefuseUnknownHandlers());
        });

        // Session cookies, antiforgery tokens and other protected payloads are sealed with keys kept in
        // the database, so they survive a restart and every instance reads what any other wrote.
        services.AddSingleton<Shares.ShareGate>();
        services.AddDataProtection().SetApplicationName("Coffer").PersistKeysToDbContext<CofferDb>();
        // With encryption at rest on, those keys are stored wrapped by the KEK, as data keys are.
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((o, sp) => o.XmlEncryptor = new KekXmlEncryptor(sp));
        return services;
    }

    /// <summary>Before routing: page requests that end in an error status re-run as the error page.</summary>
    public static void UseCofferWebErrors(this WebApplication app)
    {
        // On the app itself, not in a UseWhen branch: a branch has no global route builder, so the re-run
        // would not be routed again, find no endpoint for /error/{code}, and answer an empty 404.
        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.Use((context, next) =>
        {
            // API and operations answers get a problem document (below), never the HTML error page.
            if (!IsPageRequest(context) && context.Features.Get<IStatusCodePagesFeature>() is { } errorPage)
                errorPage.Enabled = false;
            return next(context);
        });
        app.UseWhen(context => !IsPageRequest(context), api => api.UseStatusCodePages());
    }

    public static void MapCofferWeb(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorPages().Add(endpoint => endpoint.Metadata.Add(PageMarker.Instance));
    }

    /// <summary>Requests a person's browser navigates to, as opposed to the API and operations endpoints.</summary>
    public static bool IsPageRequest(HttpContext context)
    {
        // While an exception is handled the request path is already the error page's: judge by the original.
        var path = context.Features.Get<IExceptionHandlerPathFeature>()?.Path is { } original ? new PathString(original) : context.Request.Path;
        return !path.StartsWithSegments("/api", StringComparison.Ordinal)
            && !path.StartsWithSegments("/health", StringComparison.Ordinal)
            && !path.StartsWithSegments("/openapi", StringComparison.Ordinal)
            && !IsShareTransfer(path);
    }

    /// <summary>/s/{token}/content, /zip, /upload: downloads and fetches answer problem documents; only /s/{token} is a page.</summary>
    private static bool IsShareTransfer(PathString path) =>
        path.StartsWithSegments("/s", StringComparison.Ordinal, out var rest) && rest.Value is { Length: > 1 } r && r.IndexOf('/', 1) > 0;

    /// <summary>Whether the endpoint that answered is one of the UI's pages (it gets <see cref="CspNonce.PagePolicy"/>).</summary>
    public static bool IsPage(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<PageMarker>() is not null;

    private sealed class PageMarker
    {
        public static readonly PageMarker Instance = new();
    }

    /// <summary>A POST (or a ?handler=) a page has no method for is a 405, not a page rendered without its data.</summary>
    private sealed class RefuseUnknownHandlers : IAsyncPageFilter
    {
        public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

        public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
        {
            if (context.HandlerMethod is null && context.ActionDescriptor.HandlerMethods.Count > 0)
            {
                context.Result = new Microsoft.AspNetCore.Mvc.StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
                return Task.CompletedTask;
            }
            return next();
        }
    }
}
