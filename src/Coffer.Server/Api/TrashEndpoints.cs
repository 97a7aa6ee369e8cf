using System.Security.Claims;
using Coffer.Core.Drive;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

/// <summary>
/// One entry of the trash: <c>size</c> is a folder's files together; <c>originalPath</c> is where it
/// was (its own path then); <c>purgeAt</c> is null when the trash is kept until emptied.
/// </summary>
public sealed record TrashItemDto(
    string Id, string Name, string Kind, long Size, string OriginalPath, DateTimeOffset DeletedAt, PersonRefDto? DeletedBy, DateTimeOffset? PurgeAt)
{
    public static TrashItemDto From(TrashEntry entry) => new(
        entry.Item.Id.ToString(),
        entry.Item.Name,
        entry.Item.Kind == ItemKind.Folder ? "folder" : "file",
        entry.Size,
        DrivePath.Combine(entry.Item.OriginalPath ?? "/", entry.Item.Name),
        entry.Item.DeletedAt!.Value,
        entry.DeletedById is { } by ? new PersonRefDto(by.ToString(), entry.DeletedByDisplayName, entry.DeletedByEmail) : null,
        entry.PurgeAt);
}

public sealed record TrashListDto(IReadOnlyList<TrashItemDto> Items);

/// <summary>The caller's trash: thin adapters over <see cref="TrashService"/>.</summary>
public static class TrashEndpoints
{
    public static RouteGroupBuilder MapTrashEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var trash = endpoints.MapGroup("/trash").WithTags("Trash");
        trash.MapGet("", List);
        trash.MapPost("/{id}/restore", Restore);
        trash.MapDelete("/{id}", DeleteForever);
        trash.MapDelete("", Empty);
        return trash;
    }

    public static async Task<Ok<TrashListDto>> List(ClaimsPrincipal user, TrashService trash, CancellationToken cancellationToken) =>
        TypedResults.Ok(new TrashListDto([.. (await trash.ListAsync(user.UserId(), cancellationToken)).Select(TrashItemDto.From)]));

    /// <summary>Back where it was (see <see cref="TrashService.RestoreAsync"/>); the answer is the item at its place now.</summary>
    public static async Task<Ok<ItemDto>> Restore(
        string id, ClaimsPrincipal user, TrashService trash, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var item = await trash.RestoreAsync(user.UserId(), id, cancellationToken);
        return TypedResults.Ok(await ItemEndpoints.DtoAsync(lookup, user.UserId(), item, cancellationToken));
    }

    public static async Task<NoContent> DeleteForever(string id, ClaimsPrincipal user, TrashService trash, CancellationToken cancellationToken)
    {
        await trash.DeleteForeverAsync(user.UserId(), id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Empty(ClaimsPrincipal user, TrashService trash, CancellationToken cancellationToken)
    {
        await trash.EmptyAsync(user.UserId(), cancellationToken);
        return TypedResults.NoContent();
    }
}
