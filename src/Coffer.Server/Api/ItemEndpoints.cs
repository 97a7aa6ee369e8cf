using System.Security.Claims;
using Coffer.Core;
using Coffer.Core.Drive;
using Coffer.Server.Auth;
using Coffer.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Coffer.Server.Api;

/// <summary>Files and folders: thin adapters over <see cref="DriveService"/> and <see cref="ItemLookup"/>.</summary>
public static class ItemEndpoints
{
    public static RouteGroupBuilder MapItemEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var items = endpoints.MapGroup("/items").WithTags("Items");
        items.MapGet("/by-path", GetByPath);
        items.MapGet("/{id}", Get);
        items.MapGet("/{id}/children", ListChildren);
        items.MapPost("/{id}/folders", CreateFolder);
        // Any media type: browsers send the file's own (image/jpeg...); the body is stored as is.
        items.MapPut("/{id}/content", Upload).Accepts<Stream>("application/octet-stream", "*/*");
        items.MapMethods("/{id}/content", [HttpMethods.Get, HttpMethods.Head], Download);
        items.MapPatch("/{id}", Update);
        items.MapDelete("/{id}", Delete);
        items.MapPost("/{id}/download-url", CreateDownloadUrl);
        items.MapDirectUploadEndpoints();
        items.MapPreviewEndpoints();
        items.MapVersionEndpoints();
        return items;
    }

    public static async Task<Ok<ItemDto>> Get(string id, ClaimsPrincipal user, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var reached = await lookup.ResolveAsync(user.UserId(), id, cancellationToken);
        return TypedResults.Ok(ItemDto.From(reached, await lookup.PathOfAsync(reached, cancellationToken)));
    }

    /// <summary>The caller's own tree first, then the folders shared with them (their paths start with the shared folder's name).</summary>
    public static async Task<Ok<ItemDto>> GetByPath(string? path, ClaimsPrincipal user, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var reached = await lookup.ResolveByPathAsync(user.UserId(), path, cancellationToken);
        return TypedResults.Ok(ItemDto.From(reached, await lookup.PathOfAsync(reached, cancellationToken)));
    }

    /// <summary>An item just made or changed, as the caller sees it (in a shared folder: its access, and its path from the shared folder).</summary>
    internal static async Task<ItemDto> DtoAsync(ItemLookup lookup, Guid userId, Item item, CancellationToken cancellationToken)
    {
        var reached = await lookup.ResolveAsync(userId, item.Id, cancellationToken);
        return ItemDto.From(reached, await lookup.PathOfAsync(reached, cancellationToken));
    }

    /// <summary>A folder's children, folders first; <c>?sort=name|size|modified</c> (default name) and <c>?order=asc|desc</c> (default asc).</summary>
    public static async Task<Ok<ItemListDto>> ListChildren(
        string id, int? limit, string? cursor, string? sort, string? order, ClaimsPrincipal user, ItemLookup lookup,
        CancellationToken cancellationToken)
    {
        var page = await lookup.ListChildrenAsync(
            user.UserId(), id, limit, cursor, cancellationToken, ItemOrder.ParseSort(sort), ItemOrder.ParseDescending(order));
        var items = page.Items.Select(i => ItemDto.From(page, i)).ToList();
        return TypedResults.Ok(new ItemListDto(items, page.NextCursor));
    }

    public static async Task<Created<ItemDto>> CreateFolder(
        string id, CreateFolderRequest body, ClaimsPrincipal user, DriveService drive, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var folder = await drive.CreateFolderAsync(user.UserId(), id, body.Name, cancellationToken);
        return TypedResults.Created($"/api/v1/items/{folder.Id}", await DtoAsync(lookup, user.UserId(), folder, cancellationToken));
    }

    /// <summary>The raw request body streams into the blob pipeline: no form parsing, no buffering, no size limit but Coffer's own.</summary>
    [DisableRequestSizeLimit]
    public static async Task<Results<Created<ItemDto>, Ok<ItemDto>>> Upload(
        string id, string? name, string? conflict, HttpRequest request, ClaimsPrincipal user,
        DriveService drive, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var mode = ParseConflict(conflict);
        var result = await drive.UploadAsync(user.UserId(), id, name, request.Body, request.ContentLength, mode, cancellationToken);
        var dto = await DtoAsync(lookup, user.UserId(), result.Item, cancellationToken);
        return result.Replaced ? TypedResults.Ok(dto) : TypedResults.Created($"/api/v1/items/{result.Item.Id}", dto);
    }

    /// <summary>The file's bytes; <c>?inline=true</c> shows a previewable type in the browser instead of downloading it.</summary>
    public static async Task<FileStreamHttpResult> Download(
        string id, bool? inline, ClaimsPrincipal user, DriveService drive, HttpRequest request, CancellationToken cancellationToken) =>
        ContentResponses.File(request, await drive.OpenAsync(user.UserId(), id, cancellationToken), inline == true);

    public static async Task<Ok<ItemDto>> Update(
        string id, UpdateItemRequest body, ClaimsPrincipal user, DriveService drive, ItemLookup lookup, CancellationToken cancellationToken)
    {
        if (body.Name is null && body.ParentId is null)
            throw new InvalidInputException("Nothing to change: give a new name, a new parentId, or both.", field: "name");
        var item = await drive.UpdateAsync(user.UserId(), id, body.Name, body.ParentId, cancellationToken);
        return TypedResults.Ok(await DtoAsync(lookup, user.UserId(), item, cancellationToken));
    }

    /// <summary>Into the owner's trash; <c>?permanent=true</c> deletes for good at once.</summary>
    public static async Task<NoContent> Delete(string id, bool? permanent, ClaimsPrincipal user, DriveService drive, CancellationToken cancellationToken)
    {
        await drive.DeleteAsync(user.UserId(), id, cancellationToken, permanent == true);
        return TypedResults.NoContent();
    }

    /// <summary>A pre-signed store URL when the file's bytes are plaintext in a store that can sign; otherwise the server's own signed URL.</summary>
    public static async Task<Ok<DownloadUrlDto>> CreateDownloadUrl(
        string id, [FromBody] DownloadUrlRequest? body, ClaimsPrincipal user, DownloadLinks links, DirectTransfers direct,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var (grant, signature) = await links.CreateAsync(user.UserId(), id, body?.ExpiresInSeconds, cancellationToken);
        var url = await direct.DownloadUrlAsync(grant, cancellationToken) is { } storeUrl
            ? storeUrl.AbsoluteUri
            : SignedDownloadEndpoints.UrlFor(request, grant, signature);
        return TypedResults.Ok(new DownloadUrlDto(url, grant.Expires));
    }

    internal static ConflictMode ParseConflict(string? conflict) => conflict?.ToLowerInvariant() switch
    {
        null or "fail" => ConflictMode.Fail,
        "rename" => ConflictMode.Rename,
        "replace" => ConflictMode.Replace,
        _ => throw new InvalidInputException("conflict must be 'fail', 'rename' or 'replace'.", field: "conflict"),
    };
}
