using Coffer.Core.Drive;

namespace Coffer.Server.Api;

/// <summary>
/// An item as API.md defines it; the caller's root folder is always "root". <c>access</c> says what
/// the caller may do with it: "owner", or "readWrite"/"read" for an item in a folder shared with them.
/// </summary>
public sealed record ItemDto(
    string Id, string Name, string Kind, string? ParentId, string Path, long Size, string? ContentType, string? Sha256,
    DateTimeOffset Created, DateTimeOffset Modified, bool? Replicated, string Access = "owner")
{
    /// <summary>The caller's own item.</summary>
    public static ItemDto From(Item item, string path) => From(item, path, ItemAccess.Owner, parentHidden: false);

    /// <summary>
    /// An item as the caller reached it. A shared folder's top has parentId null for its grantee, like
    /// a root: the folder above it is not theirs to see (and "root" would name their own root).
    /// </summary>
    public static ItemDto From(ReachedItem reached, string path) => From(reached.Item, path, reached.Access, reached.IsGrantRoot);

    /// <summary>One of a listing's items, with the access the page says the caller has to it.</summary>
    public static ItemDto From(ItemPage page, Item item) => From(item, DrivePath.Combine(page.FolderPath, item.Name), page.AccessOf(item), parentHidden: false);

    public static string NameOf(ItemAccess access) => access switch
    {
        ItemAccess.Owner => "owner",
        ItemAccess.ReadWrite => "readWrite",
        _ => "read",
    };

    private static ItemDto From(Item item, string path, ItemAccess access, bool parentHidden) => new(
        item.IsRoot ? ItemLookup.RootId : item.Id.ToString(),
        item.Name,
        item.Kind == ItemKind.Folder ? "folder" : "file",
        item.ParentId is not { } parent || parentHidden ? null
            : parent == item.OwnerId && access == ItemAccess.Owner ? ItemLookup.RootId : parent.ToString(),
        path,
        item.Size,
        item.ContentType,
        item.Sha256,
        item.Created,
        item.Modified,
        item.Kind == ItemKind.File ? item.Replicated : null,
        NameOf(access));
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
