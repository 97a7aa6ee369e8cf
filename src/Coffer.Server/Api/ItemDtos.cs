using Coffer.Core.Drive;

namespace Coffer.Server.Api;

/// <summary>An item as API.md defines it; the caller's root folder is always "root".</summary>
public sealed record ItemDto(
    string Id, string Name, string Kind, string? ParentId, string Path, long Size, string? ContentType, string? Sha256,
    DateTimeOffset Created, DateTimeOffset Modified, bool? Replicated)
{
    public static ItemDto From(Item item, string path) => new(
        item.IsRoot ? ItemLookup.RootId : item.Id.ToString(),
        item.Name,
        item.Kind == ItemKind.Folder ? "folder" : "file",
        item.ParentId is not { } parent ? null : parent == item.OwnerId ? ItemLookup.RootId : parent.ToString(),
        path,
        item.Size,
        item.ContentType,
        item.Sha256,
        item.Created,
        item.Modified,
        item.Kind == ItemKind.File ? item.Replicated : null);
}

public sealed record ItemListDto(IReadOnlyList<ItemDto> Items, string? NextCursor);
public sealed record CreateFolderRequest(string? Name);
public sealed record UpdateItemRequest(string? Name, string? ParentId);
public sealed record DownloadUrlRequest(int? ExpiresInSeconds);
public sealed record DownloadUrlDto(string Url, DateTimeOffset ExpiresAt);
public sealed record StartUploadRequest(string? Name, long? Size, string? Conflict);
public sealed record UploadPartDto(int Number, string Url);

/// <summary>A direct upload: PUT each part's bytes to its URL, then POST the ETags to <c>complete</c>.</summary>
public sealed record DirectUploadDto(string Id, long PartSize, IReadOnlyList<UploadPartDto> Parts, DateTimeOffset ExpiresAt);

public sealed record CompletedPartDto(int Number, string? ETag);
public sealed record CompleteUploadRequest(IReadOnlyList<CompletedPartDto>? Parts);
