using System.Security.Claims;
using Coffer.Core.Shares;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

public sealed record CreateGrantRequest(string? Email, string? Access);
public sealed record ChangeGrantRequest(string? Access);

/// <summary>One person a folder is shared with: their account's email and name, and what they may do ("read" or "readWrite").</summary>
public sealed record GrantDto(string Id, string ItemId, string Email, string? DisplayName, string Access, DateTimeOffset Created)
{
    public static GrantDto From(GrantEntry entry) => new(
        entry.Grant.Id.ToString(), entry.Grant.ItemId.ToString(), entry.Email, entry.DisplayName,
        GrantService.NameOf(entry.Grant.Access), entry.Grant.Created);
}

public sealed record GrantListDto(IReadOnlyList<GrantDto> Items);
public sealed record PersonDto(string Email, string? DisplayName);

/// <summary>A folder shared with the caller: the grant (DELETE /grants/{grantId} leaves it), its owner, and the folder.</summary>
public sealed record SharedItemDto(string GrantId, string Access, PersonDto Owner, ItemDto Item);

public sealed record SharedListDto(IReadOnlyList<SharedItemDto> Items);

/// <summary>Internal shares (grants): thin adapters over <see cref="GrantService"/>.</summary>
public static class GrantEndpoints
{
    public static RouteGroupBuilder MapGrantEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var grants = endpoints.MapGroup("").WithTags("Sharing with people");
        grants.MapPost("/items/{id}/grants", Create);
        grants.MapGet("/items/{id}/grants", List);
        grants.MapPatch("/grants/{id}", Change);
        grants.MapDelete("/grants/{id}", Remove);
        grants.MapGet("/shared-with-me", SharedWithMe);
        return grants;
    }

    public static async Task<Created<GrantDto>> Create(
        string id, CreateGrantRequest body, ClaimsPrincipal user, GrantService grants, CancellationToken cancellationToken)
    {
        var entry = await grants.GrantAsync(user.UserId(), id, body.Email, body.Access, cancellationToken);
        return TypedResults.Created($"/api/v1/grants/{entry.Grant.Id}", GrantDto.From(entry));
    }

    public static async Task<Ok<GrantListDto>> List(string id, ClaimsPrincipal user, GrantService grants, CancellationToken cancellationToken)
    {
        var list = await grants.ListForItemAsync(user.UserId(), id, cancellationToken);
        return TypedResults.Ok(new GrantListDto([.. list.Select(GrantDto.From)]));
    }

    public static async Task<Ok<GrantDto>> Change(
        string id, ChangeGrantRequest body, ClaimsPrincipal user, GrantService grants, CancellationToken cancellationToken) =>
        TypedResults.Ok(GrantDto.From(await grants.ChangeAccessAsync(user.UserId(), id, body.Access, cancellationToken)));

    /// <summary>The owner revokes, or the grantee leaves.</summary>
    public static async Task<NoContent> Remove(string id, ClaimsPrincipal user, GrantService grants, CancellationToken cancellationToken)
    {
        await grants.RemoveAsync(user.UserId(), id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<SharedListDto>> SharedWithMe(ClaimsPrincipal user, GrantService grants, Coffer.Core.Drive.ItemLookup lookup, CancellationToken cancellationToken)
    {
        var shared = await grants.SharedWithMeAsync(user.UserId(), cancellationToken);
        var items = new List<SharedItemDto>(shared.Count);
        foreach (var s in shared)
        {
            var item = ItemDto.From(s.Folder, await lookup.PathOfAsync(s.Folder, cancellationToken));
            items.Add(new SharedItemDto(s.Grant.Grant.Id.ToString(), item.Access, new PersonDto(s.Grant.Email, s.Grant.DisplayName), item));
        }
        return TypedResults.Ok(new SharedListDto(items));
    }
}
