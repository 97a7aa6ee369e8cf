using System.Security.Claims;
using Coffer.Core.Drive;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

/// <summary>GET /api/v1/search: the caller's files and folders whose name holds the text, a thin adapter over <see cref="ItemSearch"/>.</summary>
public static class SearchEndpoints
{
    public static RouteGroupBuilder MapSearchEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var search = endpoints.MapGroup("/search").WithTags("Search");
        search.MapGet("", Search);
        return search;
    }

    /// <summary>
    /// <c>?q=</c> (1–255 characters, trimmed; case-insensitive, literal substring of the name),
    /// <c>&amp;limit=</c> (1–200, default 50), <c>&amp;cursor=</c> from the previous page's <c>nextCursor</c>.
    /// Folders first, then by name.
    /// </summary>
    public static async Task<Ok<ItemListDto>> Search(
        string? q, int? limit, string? cursor, ClaimsPrincipal user, ItemSearch search, CancellationToken cancellationToken)
    {
        var page = await search.SearchAsync(user.UserId(), q, limit, cursor, cancellationToken);
        return TypedResults.Ok(new ItemListDto(page.Items.Select(h => ItemDto.From(h.Item, h.Path)).ToList(), page.NextCursor));
    }
}
