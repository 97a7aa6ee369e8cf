using System.Security.Claims;
using Coffer.Core.Blobs;
using Coffer.Core.Drive;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

/// <summary>
/// Uploads that go straight to the object store: start (part URLs), the client PUTs the parts,
/// complete (size checked, file committed) or abort. Offered only where <see cref="DirectTransfers.UploadsAvailable"/>;
/// elsewhere starting one answers 409 pointing at the streaming PUT.
/// </summary>
public static class DirectUploadEndpoints
{
    public static RouteGroupBuilder MapDirectUploadEndpoints(this RouteGroupBuilder items)
    {
        items.MapPost("/{id}/uploads", Start);
        items.MapPost("/{id}/uploads/{uploadId}/complete", Complete);
        items.MapDelete("/{id}/uploads/{uploadId}", Abort);
        return items;
    }

    public static async Task<Created<DirectUploadDto>> Start(
        string id, StartUploadRequest body, ClaimsPrincipal user, DirectTransfers direct, CancellationToken cancellationToken)
    {
        var ticket = await direct.StartUploadAsync(user.UserId(), id, body.Name, body.Size, ItemEndpoints.ParseConflict(body.Conflict), cancellationToken);
        var parts = ticket.PartUrls.Select((url, index) => new UploadPartDto(index + 1, url.AbsoluteUri)).ToList();
        return TypedResults.Created($"/api/v1/items/{id}/uploads/{ticket.Id}", new DirectUploadDto(ticket.Id.ToString(), ticket.PartBytes, parts, ticket.Expires));
    }

    public static async Task<Results<Created<ItemDto>, Ok<ItemDto>>> Complete(
        string id, string uploadId, CompleteUploadRequest body, ClaimsPrincipal user, DirectTransfers direct, ItemLookup lookup,
        CancellationToken cancellationToken)
    {
        var parts = body.Parts?.Select(p => new UploadedPart(p.Number, p.ETag ?? "")).ToList();
        var result = await direct.CompleteUploadAsync(user.UserId(), id, uploadId, parts, cancellationToken);
        var dto = await ItemEndpoints.DtoAsync(lookup, user.UserId(), result.Item, cancellationToken);
        return result.Replaced ? TypedResults.Ok(dto) : TypedResults.Created($"/api/v1/items/{result.Item.Id}", dto);
    }

    public static async Task<NoContent> Abort(string id, string uploadId, ClaimsPrincipal user, DirectTransfers direct, CancellationToken cancellationToken)
    {
        await direct.AbortUploadAsync(user.UserId(), id, uploadId, cancellationToken);
        return TypedResults.NoContent();
    }
}
