using System.Security.Claims;
using Coffer.Core;
using Coffer.Core.Drive;
using Coffer.Core.Previews;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Coffer.Server.Api;

/// <summary>
/// What the preview panel and the gallery show besides the content itself: rendered pages of
/// text-like files, and thumbnails. The two static helpers below take an item whose access
/// the caller already established, so share pages answer the same way.
/// </summary>
public static class PreviewEndpoints
{
    public static void MapPreviewEndpoints(this RouteGroupBuilder items)
    {
        items.MapGet("/{id}/preview", Preview);
        items.MapGet("/{id}/thumbnail", Thumbnail).Produces(StatusCodes.Status304NotModified);
    }

    /// <summary>A Markdown, text or source file as a script-free HTML page (first 2 MiB), for a frame in the preview panel.</summary>
    public static async Task<ContentHttpResult> Preview(
        string id, ClaimsPrincipal user, DriveService drive, HttpContext context, CancellationToken cancellationToken) =>
        await PageAsync(context, await drive.OpenAsync(user.UserId(), id, cancellationToken), cancellationToken);

    /// <summary>The file's thumbnail (WebP, at most 320 px a side); 404 while there is none.</summary>
    public static async Task<Results<FileStreamHttpResult, StatusCodeHttpResult>> Thumbnail(
        string id, ClaimsPrincipal user, ItemLookup lookup, Thumbnails thumbnails, HttpContext context, CancellationToken cancellationToken) =>
        await ThumbnailAsync(context, await lookup.GetAsync(user.UserId(), id, cancellationToken), thumbnails, cancellationToken);

    /// <summary>
    /// The rendered preview page of an open file (which this disposes), under the preview policy
    /// (sandboxed: no script runs whatever the page holds). 404 for kinds shown from their content URL instead.
    /// </summary>
    public static async Task<ContentHttpResult> PageAsync(HttpContext context, FileContent file, CancellationToken cancellationToken)
    {
        await using var content = file.Content;
        var kind = PreviewRules.Of(file.Item.Name, file.Item.ContentType);
        if (!PreviewPage.Renders(kind))
            throw new NotFoundException("This file has no rendered preview; its content URL with ?inline=true shows previewable types.");
        var html = await PreviewPage.RenderAsync(kind, file.Item.Name, content, cancellationToken);
        ContentPolicy.Set(context, kind);
        context.Response.Headers.CacheControl = "private, no-cache";
        return TypedResults.Content(html, PreviewPage.ContentType);
    }

    /// <summary>
    /// An item's thumbnail with a strong ETag (its blob's id: a new picture is a new blob), 304
    /// when the client has it; private, revalidated on use. 404 while none is ready (or ever will be).
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, StatusCodeHttpResult>> ThumbnailAsync(
        HttpContext context, Item item, Thumbnails thumbnails, CancellationToken cancellationToken)
    {
        var blob = await thumbnails.FindAsync(item, cancellationToken) ?? throw NoThumbnail();
        var etag = new EntityTagHeaderValue($"\"t{blob.Id:N}\"");
        context.Response.Headers.CacheControl = "private, no-cache";
        context.Response.Headers.ETag = etag.ToString();
        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(tag => tag.Compare(etag, useStrongComparison: false) || tag.Equals(EntityTagHeaderValue.Any)))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        var content = await thumbnails.OpenAsync(blob, cancellationToken) ?? throw NoThumbnail();
        return TypedResults.Stream(content, Thumbnails.ContentType, entityTag: etag);
    }

    private static NotFoundException NoThumbnail() => new("This file has no thumbnail (yet).");
}
