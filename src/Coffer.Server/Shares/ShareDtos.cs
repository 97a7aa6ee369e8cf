using Coffer.Core.Drive;
using Coffer.Core.Shares;

namespace Coffer.Server.Shares;

/// <summary>The body of POST /items/{id}/shares; kind, maxFiles and maxFileBytes extend API.md's fields for file requests.</summary>
public sealed record CreateShareRequest(
    int? ExpiresInDays, string? Password, int? MaxDownloads, string? Kind, int? MaxFiles, long? MaxFileBytes);

/// <summary>The token appears here only: the server keeps its hash.</summary>
public sealed record CreatedShareDto(Guid Id, string Url, string Token, DateTimeOffset ExpiresAt);

public sealed record ShareDto(
    Guid Id, string Kind, string ItemId, string ItemName, string ItemKind, string Path, DateTimeOffset Created,
    DateTimeOffset ExpiresAt, string State, bool HasPassword, int? MaxDownloads, int Downloads, int? MaxFiles,
    long? MaxFileBytes, int Uploads)
{
    public static ShareDto From(ShareInfo info) => new(
        info.Share.Id,
        ShareService.KindName(info.Share.Kind),
        info.Item.IsRoot ? ItemLookup.RootId : info.Item.Id.ToString(),
        info.Item.Name,
        info.Item.Kind == Coffer.Core.Drive.ItemKind.Folder ? "folder" : "file",
        info.Path,
        info.Share.Created,
        info.Share.Expires,
        StateName(info.State),
        ShareService.HasPassword(info.Share),
        info.Share.MaxDownloads,
        info.Share.Downloads,
        info.Share.MaxFiles,
        info.Share.MaxFileBytes,
        info.Share.Uploads);

    public static string StateName(ShareState state) => state switch
    {
        ShareState.Expired => "expired",
        ShareState.Revoked => "revoked",
        ShareState.Exhausted => "exhausted",
        _ => "active",
    };
}

public sealed record ShareListDto(IReadOnlyList<ShareDto> Items);

/// <summary>What a file request answers for each arrival: the name the visitor sent, never the name it was stored under.</summary>
public sealed record ReceivedFileDto(string Name, long Size);
