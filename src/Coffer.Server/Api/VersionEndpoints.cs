using System.Security.Claims;
using Coffer.Core.Drive;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

/// <summary>Who did something: their account id and, while the account exists, its name and email.</summary>
public sealed record PersonRefDto(string Id, string? DisplayName, string? Email);

/// <summary>One content of a file; <c>current</c> marks the one the file shows now.</summary>
public sealed record VersionDto(string Id, long Size, string Sha256, DateTimeOffset Created, PersonRefDto CreatedBy, bool Current)
{
    public static VersionDto From(VersionEntry entry) => new(
        entry.Version.Id.ToString(), entry.Version.Size, entry.Version.Sha256, entry.Version.Created,
        new PersonRefDto(entry.Version.CreatedBy.ToString(), entry.CreatorDisplayName, entry.CreatorEmail), entry.Current);
}

public sealed record VersionListDto(IReadOnlyList<VersionDto> Versions);

/// <summary>A file's versions: thin adapters over <see cref="DriveService"/> (DriveService.Versions.cs).</summary>
public static class VersionEndpoints
{
    /// <summary>Under /items: reading needs read access to the file, restoring and deleting write access.</summary>
    public static RouteGroupBuilder MapVersionEndpoints(this RouteGroupBuilder items)
    {
        items.MapGet("/{id}/versions", List);
        items.MapMethods("/{id}/versions/{versionId}/content", [HttpMethods.Get, HttpMethods.Head], Download);
        items.MapPost("/{id}/versions/{versionId}/restore", Restore).ProducesProblem(StatusCodes.Status403Forbidden);
        items.MapDelete("/{id}/versions/{versionId}", Delete).ProducesProblem(StatusCodes.Status403Forbidden);
        return items;
    }

    public static async Task<Ok<VersionListDto>> List(string id, ClaimsPrincipal user, DriveService drive, CancellationToken cancellationToken)
    {
        var (_, versions) = await drive.ListVersionsAsync(user.UserId(), id, cancellationToken);
        return TypedResults.Ok(new VersionListDto([.. versions.Select(VersionDto.From)]));
    }

    /// <summary>The same response as the file's own content (Range, ETag of that version, preview policy with <c>?inline=true</c>).</summary>
    public static async Task<FileStreamHttpResult> Download(
        string id, string versionId, bool? inline, ClaimsPrincipal user, DriveService drive, HttpRequest request, CancellationToken cancellationToken) =>
        ContentResponses.File(request, await drive.OpenVersionContentAsync(user.UserId(), id, versionId, cancellationToken), inline == true);

    public static async Task<Ok<ItemDto>> Restore(
        string id, string versionId, ClaimsPrincipal user, DriveService drive, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var item = await drive.RestoreVersionAsync(user.UserId(), id, versionId, cancellationToken);
        return TypedResults.Ok(await ItemEndpoints.DtoAsync(lookup, user.UserId(), item, cancellationToken));
    }

    public static async Task<NoContent> Delete(string id, string versionId, ClaimsPrincipal user, DriveService drive, CancellationToken cancellationToken)
    {
        await drive.DeleteVersionAsync(user.UserId(), id, versionId, cancellationToken);
        return TypedResults.NoContent();
    }
}
