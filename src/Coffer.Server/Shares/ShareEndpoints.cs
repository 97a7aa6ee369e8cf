using System.Security.Claims;
using Coffer.Core;
using Coffer.Core.Drive;
using Coffer.Core.Previews;
using Coffer.Core.Shares;
using Coffer.Server.Api;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Coffer.Server.Shares;

/// <summary>
/// Share links and file requests: the owner's API under /api/v1, and the visitor's transfers
/// under /s/{token} (the page itself is Web/Pages/Shares/Public.cshtml).
/// </summary>
public static class ShareEndpoints
{
    /// <summary>The owner's side; mapped on the signed-in API group.</summary>
    public static RouteGroupBuilder MapShareEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").WithTags("Shares");
        group.MapPost("/items/{id}/shares", Create);
        group.MapGet("/shares", List);
        group.MapDelete("/shares/{id}", Revoke);
        return group;
    }

    /// <summary>The visitor's side: no sign-in, the token is the credential (plus the password cookie when set).</summary>
    public static RouteGroupBuilder MapPublicShareEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/s/{token}").AllowAnonymous().WithTags("Shares")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status410Gone);
        group.MapMethods("/content", [HttpMethods.Get, HttpMethods.Head], Content);
        group.MapGet("/preview", Preview);
        group.MapGet("/zip", Zip);
        group.MapPut("/upload", Upload).Accepts<Stream>("application/octet-stream", "*/*");
        return group;
    }

    public static async Task<Created<CreatedShareDto>> Create(
        string id, [FromBody] CreateShareRequest? body, ClaimsPrincipal user, ShareService shares, HttpRequest request,
        CancellationToken cancellationToken)
    {
        var kind = body?.Kind?.ToLowerInvariant() switch
        {
            null or "link" => ShareKind.Link,
            "request" => ShareKind.Request,
            _ => throw new InvalidInputException("kind must be 'link' or 'request'.", field: "kind"),
        };
        var created = await shares.CreateAsync(user.UserId(), id, new NewShare(
            kind, body?.ExpiresInDays, body?.Password, body?.MaxDownloads, body?.MaxFiles, body?.MaxFileBytes), cancellationToken);
        return TypedResults.Created($"/api/v1/shares/{created.Share.Id}",
            new CreatedShareDto(created.Share.Id, UrlFor(request, created.Token), created.Token, created.Share.Expires));
    }

    public static async Task<Ok<ShareListDto>> List(ClaimsPrincipal user, ShareService shares, CancellationToken cancellationToken)
    {
        var list = await shares.ListAsync(user.UserId(), cancellationToken);
        return TypedResults.Ok(new ShareListDto(list.Select(ShareDto.From).ToList()));
    }

    public static async Task<NoContent> Revoke(string id, ClaimsPrincipal user, ShareService shares, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var shareId))
            throw new NotFoundException("No such share.");
        await shares.RevokeAsync(user.UserId(), shareId, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The share's public address, absolute, built from the request the way signed download URLs are.</summary>
    public static string UrlFor(HttpRequest request, string token) => $"{request.Scheme}://{request.Host}{request.PathBase}/s/{token}";

    /// <summary>
    /// A shared file's bytes, or a file inside a shared folder (<c>?path=/sub/a.txt</c>), with the
    /// same headers as item content; <c>?inline=true</c> shows a previewable type (for the share page).
    /// </summary>
    public static async Task<FileStreamHttpResult> Content(
        string token, string? path, bool? inline, HttpContext context, ShareService shares, ShareGate gate,
        CancellationToken cancellationToken)
    {
        var visit = await AdmitAsync(token, context, shares, gate, cancellationToken);
        if (visit.Share.Kind != ShareKind.Link)
            throw new NotFoundException();
        var item = await shares.ResolveAsync(visit, path, cancellationToken);
        var file = await shares.OpenAsync(visit, item, cancellationToken);
        try
        {
            if (CountsAsDownload(context.Request, item, inline == true))
                await shares.CountDownloadAsync(visit, item, cancellationToken);
        }
        catch
        {
            await file.Content.DisposeAsync();
            throw;
        }
        return ContentResponses.File(context.Request, file, inline == true);
    }

    /// <summary>A shared Markdown, text or source file as the same script-free page the app's preview panel frames.</summary>
    public static async Task<ContentHttpResult> Preview(
        string token, string? path, HttpContext context, ShareService shares, ShareGate gate, CancellationToken cancellationToken)
    {
        var visit = await AdmitAsync(token, context, shares, gate, cancellationToken);
        if (visit.Share.Kind != ShareKind.Link)
            throw new NotFoundException();
        var item = await shares.ResolveAsync(visit, path, cancellationToken);
        return await PreviewEndpoints.PageAsync(context, await shares.OpenAsync(visit, item, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// What counts against a download limit: any GET that can carry the whole file. Not counted:
    /// HEAD, a single range that starts past byte 0 (a download resuming, a video seeking), a
    /// revalidation the client already holds (its ETag matches: a 304), and a previewable type
    /// shown inline on the share page; asking for a type that cannot be previewed "inline" gets
    /// an attachment, and counts.
    /// </summary>
    public static bool CountsAsDownload(HttpRequest request, Item item, bool inline)
    {
        if (!HttpMethods.IsGet(request.Method))
            return false;
        if (inline && PreviewRules.Of(item.Name, item.ContentType) != PreviewKind.None)
            return false;
        var headers = request.GetTypedHeaders();
        if (headers.IfNoneMatch.Any(tag => tag.Tag == $"\"{item.Sha256}\""))
            return false;
        return headers.Range is not { Unit.Value: "bytes", Ranges.Count: 1 } range || range.Ranges.First().From is not > 0;
    }

    /// <summary>
    /// The shared folder, or a folder inside it (<c>?path=/sub</c>), as a zip streamed onto the
    /// response as it is made (entries are read one at a time; the visitor leaving cancels it).
    /// </summary>
    public static async Task<PushStreamHttpResult> Zip(
        string token, string? path, HttpContext context, ShareService shares, ShareGate gate, CancellationToken cancellationToken)
    {
        var visit = await AdmitAsync(token, context, shares, gate, cancellationToken);
        if (visit.Share.Kind != ShareKind.Link || !visit.IsFolder)
            throw new NotFoundException();
        var folder = await shares.ResolveAsync(visit, path, cancellationToken);
        if (folder.Kind != Core.Drive.ItemKind.Folder)
            throw new InvalidInputException("That is a file: download it on its own.", field: "path");
        await shares.CountDownloadAsync(visit, folder, cancellationToken);
        var aborted = context.RequestAborted;
        var name = (folder.IsRoot ? "Shared files" : folder.Name) + ".zip";
        return TypedResults.Stream(
            body => ZipStreamer.WriteAsync(body, shares.ZipSourcesAsync(visit, folder, aborted), aborted),
            "application/zip", fileDownloadName: name);
    }

    /// <summary>
    /// A file request's drop box: the raw body streamed into the folder under the owner's name,
    /// renamed if the name is taken. Answers only what the visitor sent (name and size).
    /// </summary>
    [DisableRequestSizeLimit]
    public static async Task<Created<ReceivedFileDto>> Upload(
        string token, string? name, HttpContext context, ShareService shares, ShareGate gate, IAntiforgery antiforgery,
        CancellationToken cancellationToken)
    {
        var visit = await AdmitAsync(token, context, shares, gate, cancellationToken);
        if (visit.Share.Kind != ShareKind.Request)
            throw new NotFoundException();
        // With a password the cookie is the credential, so a cross-site page must not be able to use it.
        if (ShareService.HasPassword(visit.Share) && !await antiforgery.IsRequestValidAsync(context))
            throw new ForbiddenException("The request's antiforgery token is missing or invalid.", "Reload the page and try again.");
        var item = await shares.ReceiveAsync(visit, name, context.Request.Body, context.Request.ContentLength, cancellationToken);
        return TypedResults.Created((string?)null, new ReceivedFileDto(Core.Drive.ItemName.Normalize(name), item.Size));
    }

    private static async Task<ShareVisit> AdmitAsync(
        string token, HttpContext context, ShareService shares, ShareGate gate, CancellationToken cancellationToken)
    {
        var visit = await shares.VisitAsync(token, cancellationToken);
        if (!gate.IsAdmitted(context, visit))
            throw new ForbiddenException("This link is protected by a password.", "Open the link in a browser and enter the password first.");
        return visit;
    }
}
