using System.Globalization;
using Coffer.Core;
using Coffer.Core.Drive;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

/// <summary>Downloads through time-limited signed URLs: no other credentials, 403 once altered or expired.</summary>
public static class SignedDownloadEndpoints
{
    private const string Path = "/api/v1/download/";

    public static RouteGroupBuilder MapSignedDownloadEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var download = endpoints.MapGroup("/download").WithTags("Items");
        download.MapMethods("/{itemId}", [HttpMethods.Get, HttpMethods.Head], Download);
        return download;
    }

    public static string UrlFor(HttpRequest request, DownloadGrant grant, string signature) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{PathAndQuery(grant, signature)}";

    /// <summary>The one spelling of a signed URL; any other spelling of the same values is refused too.</summary>
    private static string PathAndQuery(DownloadGrant grant, string signature) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Path}{grant.ItemId:N}?u={grant.UserId:N}&v={grant.VersionId:N}&e={grant.Expires.ToUnixTimeSeconds()}&s={signature}");

    public static async Task<FileStreamHttpResult> Download(
        string itemId, string? u, string? v, string? e, string? s, HttpRequest request, DownloadLinks links, DriveService drive,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(itemId, "N", out var item)
            || !Guid.TryParseExact(u, "N", out var userId)
            || !Guid.TryParseExact(v, "N", out var version)
            || !long.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || expires > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw Refused();
        var grant = new DownloadGrant(userId, item, version, DateTimeOffset.FromUnixTimeSeconds(expires));
        if (!links.Verify(grant, s) || request.Path + request.QueryString != PathAndQuery(grant, s!.ToLowerInvariant()))
            throw Refused();
        return ContentResponses.File(request, await drive.OpenVersionAsync(userId, item, version, cancellationToken));
    }

    private static ForbiddenException Refused() =>
        new("This download link is not valid.", "It has expired or was altered. Ask for a new link.");
}
