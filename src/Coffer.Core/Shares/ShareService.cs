using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Coffer.Core.Blobs;
using Coffer.Core.Drive;
using Coffer.Core.Events;
using Coffer.Core.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Shares;

/// <summary>What the owner asks for when making a link or a file request.</summary>
public sealed record NewShare(
    ShareKind Kind = ShareKind.Link, int? ExpiresInDays = null, string? Password = null, int? MaxDownloads = null,
    int? MaxFiles = null, long? MaxFileBytes = null);

/// <summary>A new share and its token: the only moment the token exists outside the visitor's URL.</summary>
public sealed record CreatedShare(Share Share, string Token);

public enum ShareState
{
    Active,
    Expired,
    Revoked,

    /// <summary>A link that served its downloads, or a file request that received its files.</summary>
    Exhausted,
}

/// <summary>One of the owner's shares with what it points at (its path is the owner's own).</summary>
public sealed record ShareInfo(Share Share, Item Item, string Path, ShareState State);

/// <summary>A share a visitor opened with a valid token, and the item it shares.</summary>
public sealed record ShareVisit(Share Share, Item Root)
{
    public bool IsFolder => Root.Kind == ItemKind.Folder;
}

/// <summary>
/// Share links and file requests: the owner's side (create, list, revoke) and the visitor's
/// (open by token, walk the shared folder, count downloads, drop files). A visitor reaches only
/// the shared item and what lies below it; every counter is changed by one conditional UPDATE,
/// so parallel visitors cannot go past a limit.
/// </summary>
public sealed class ShareService(
    CofferDb db, ItemLookup lookup, DriveService drive, Outbox outbox, IOptions<ShareOptions> options, TimeProvider clock)
{
    public const int MaxPasswordLength = 1024;

    /// <summary>Identity's hasher (PBKDF2, salted, versioned), the same format account passwords use.</summary>
    private static readonly PasswordHasher<Share> Hasher = new();

    // ---- the owner's side -----------------------------------------------------------------------

    public async Task<CreatedShare> CreateAsync(Guid userId, string? itemId, NewShare request, CancellationToken cancellationToken)
    {
        var maxDays = options.Value.MaxExpiryDays;
        var days = request.ExpiresInDays ?? Math.Min(ShareOptions.DefaultExpiryDays, maxDays);
        if (days < 1 || days > maxDays)
            throw new InvalidInputException($"expiresInDays must be between 1 and {maxDays}.", field: "expiresInDays");
        if (!Enum.IsDefined(request.Kind))
            throw new InvalidInputException("kind must be 'link' or 'request'.", field: "kind");
        var password = string.IsNullOrEmpty(request.Password) ? null : request.Password;
        if (password is { Length: > MaxPasswordLength })
            throw new InvalidInputException($"A share password can be at most {MaxPasswordLength} characters long.", field: "password");
        if (request.MaxDownloads is < 1)
            throw new InvalidInputException("maxDownloads must be at least 1.", field: "maxDownloads");
        if (request.MaxFiles is < 1)
            throw new InvalidInputException("maxFiles must be at least 1.", field: "maxFiles");
        if (request.MaxFileBytes is < 1)
            throw new InvalidInputException("maxFileBytes must be at least 1.", field: "maxFileBytes");
        if (request.Kind == ShareKind.Link && (request.MaxFiles is not null || request.MaxFileBytes is not null))
            throw new InvalidInputException("maxFiles and maxFileBytes apply to file requests only.", field: request.MaxFiles is not null ? "maxFiles" : "maxFileBytes");
        if (request.Kind == ShareKind.Request && request.MaxDownloads is not null)
            throw new InvalidInputException("maxDownloads applies to links only: a file request serves no downloads.", field: "maxDownloads");

        var item = await lookup.GetAsync(userId, itemId, cancellationToken);
        if (item.OwnerId != userId)
            throw new NotFoundException(); // only the owner shares an item publicly, whoever else may see it
        if (request.Kind == ShareKind.Request && item.Kind != ItemKind.Folder)
            throw new InvalidInputException("A file request needs a folder to receive the files.", field: "kind");

        var token = ShareTokens.New();
        var now = clock.Now();
        var share = new Share
        {
            Id = Guid.CreateVersion7(),
            OwnerId = userId,
            ItemId = item.Id,
            Kind = request.Kind,
            TokenHash = ShareTokens.Hash(token),
            Created = now,
            Expires = now.AddDays(days),
            MaxDownloads = request.MaxDownloads,
            MaxFiles = request.MaxFiles,
            MaxFileBytes = request.MaxFileBytes,
        };
        if (password is not null)
            share.PasswordHash = Hasher.HashPassword(share, password);
        db.Shares.Add(share);
        outbox.Add(userId, "share.created", new { shareId = share.Id, itemId = item.Id, kind = KindName(share.Kind), expiresAt = share.Expires });
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedShare(share, token);
    }

    /// <summary>The caller's shares, newest first, with their items and states.</summary>
    public async Task<IReadOnlyList<ShareInfo>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var rows = await db.Shares.AsNoTracking()
            .Where(s => s.OwnerId == userId)
            .Join(db.Items.AsNoTracking(), s => s.ItemId, i => i.Id, (s, i) => new { Share = s, Item = i })
            .OrderByDescending(r => r.Share.Created)
            .ToListAsync(cancellationToken);
        var now = clock.Now();
        var list = new List<ShareInfo>(rows.Count);
        foreach (var row in rows)
            list.Add(new ShareInfo(row.Share, row.Item, await lookup.PathOfAsync(row.Item, cancellationToken), StateOf(row.Share, now)));
        return list;
    }

    /// <summary>Ends a share at once; revoking one already revoked changes nothing. Another user's share is not found.</summary>
    public async Task RevokeAsync(Guid userId, Guid shareId, CancellationToken cancellationToken)
    {
        var share = await db.Shares.SingleOrDefaultAsync(s => s.Id == shareId && s.OwnerId == userId, cancellationToken)
            ?? throw new NotFoundException("No such share.");
        if (share.Revoked is not null)
            return;
        share.Revoked = clock.Now();
        outbox.Add(userId, "share.revoked", new { shareId = share.Id, itemId = share.ItemId, kind = KindName(share.Kind) });
        await db.SaveChangesAsync(cancellationToken);
    }

    public static ShareState StateOf(Share share, DateTimeOffset now) =>
        share.Revoked is not null ? ShareState.Revoked
        : share.Expires <= now ? ShareState.Expired
        : share.Kind == ShareKind.Link && share.MaxDownloads is { } downloads && share.Downloads >= downloads ? ShareState.Exhausted
        : share.Kind == ShareKind.Request && share.MaxFiles is { } files && share.Uploads >= files ? ShareState.Exhausted
        : ShareState.Active;

    public static string KindName(ShareKind kind) => kind == ShareKind.Request ? "request" : "link";

    // ---- the visitor's side ---------------------------------------------------------------------

    /// <summary>
    /// The share a token opens. Unknown (or malformed) tokens are <see cref="NotFoundException"/>;
    /// expired, revoked and used-up ones <see cref="GoneException"/>; so are shares whose item was deleted.
    /// </summary>
    public async Task<ShareVisit> VisitAsync(string? token, CancellationToken cancellationToken)
    {
        if (!ShareTokens.IsWellFormed(token))
            throw UnknownLink();
        var hash = ShareTokens.Hash(token!);
        var share = await db.Shares.AsNoTracking().SingleOrDefaultAsync(s => s.TokenHash == hash, cancellationToken);
        // The index found the row by equality; the constant-time check keeps the comparison the code relies on free of timing.
        if (share is null || !ShareTokens.HashesEqual(share.TokenHash, hash))
            throw UnknownLink();
        var state = StateOf(share, clock.Now());
        if (state != ShareState.Active)
            throw Gone(state);
        var root = await db.Items.AsNoTracking()
            .SingleOrDefaultAsync(i => i.Id == share.ItemId && i.OwnerId == share.OwnerId, cancellationToken)
            ?? throw UnknownLink();
        return new ShareVisit(share, root);
    }

    /// <summary>The item at <paramref name="path"/> below the shared item, found name by name; nothing outside it can be named.</summary>
    public async Task<Item> ResolveAsync(ShareVisit visit, string? path, CancellationToken cancellationToken)
    {
        var names = SharePath.Parse(path);
        var current = visit.Root;
        var ownerId = visit.Share.OwnerId;
        foreach (var name in names)
        {
            if (current.Kind != ItemKind.Folder)
                throw new NotFoundException();
            var parentId = current.Id;
            current = await db.Items.AsNoTracking()
                .SingleOrDefaultAsync(i => i.ParentId == parentId && i.Name == name && i.OwnerId == ownerId, cancellationToken)
                ?? throw new NotFoundException();
        }
        return current;
    }

    /// <summary>One page of a folder inside the share (the folder came from <see cref="ResolveAsync"/>).</summary>
    public async Task<(IReadOnlyList<Item> Items, string? NextCursor)> ListFolderAsync(
        ShareVisit visit, Item folder, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        RequireLink(visit);
        var page = await lookup.ListChildrenAsync(visit.Share.OwnerId, folder.Id.ToString(), limit, cursor, cancellationToken);
        return (page.Items, page.NextCursor); // not page.FolderPath: that is the owner's path, not the visitor's
    }

    /// <summary>A file listed for a zip, or null when it was deleted (or replaced) since: the zip goes on without it.</summary>
    private async Task<Stream?> OpenIfStillThereAsync(ShareVisit visit, Item file, CancellationToken cancellationToken)
    {
        try
        {
            return (await OpenAsync(visit, file, cancellationToken)).Content;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>Opens a file of the share for reading (decrypted through the pipeline).</summary>
    public async Task<FileContent> OpenAsync(ShareVisit visit, Item file, CancellationToken cancellationToken)
    {
        RequireLink(visit);
        if (file.Kind != ItemKind.File)
            throw new InvalidInputException("That is a folder: download it as a zip.", field: "path");
        return await drive.OpenVersionAsync(visit.Share.OwnerId, file.Id, file.CurrentVersionId!.Value, cancellationToken);
    }

    /// <summary>
    /// Everything below <paramref name="folder"/> as zip entries, folder by folder and a page at a
    /// time, each file opened only when the zip writer reaches it (so memory stays bounded).
    /// </summary>
    public async IAsyncEnumerable<ZipSource> ZipSourcesAsync(
        ShareVisit visit, Item folder, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RequireLink(visit);
        var pending = new Stack<(Item Folder, string Prefix)>();
        pending.Push((folder, ""));
        while (pending.TryPop(out var current))
        {
            var empty = true;
            string? cursor = null;
            do
            {
                var page = await lookup.ListChildrenAsync(
                    visit.Share.OwnerId, current.Folder.Id.ToString(), ItemLookup.MaxPageSize, cursor, cancellationToken);
                foreach (var child in page.Items)
                {
                    empty = false;
                    var name = current.Prefix + child.Name;
                    if (child.Kind == ItemKind.Folder)
                    {
                        pending.Push((child, name + "/"));
                        continue;
                    }
                    var file = child;
                    yield return new ZipSource(name, file.Modified, file.ContentType, ct => OpenIfStillThereAsync(visit, file, ct));
                }
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            if (empty && current.Prefix.Length > 0)
                yield return new ZipSource(current.Prefix, current.Folder.Modified, null, null); // keep empty folders
        }
    }

    /// <summary>
    /// Counts one download, or throws <see cref="GoneException"/> if the link has none left (or
    /// ended meanwhile). One conditional UPDATE decides, so parallel downloads cannot exceed the limit.
    /// </summary>
    public async Task CountDownloadAsync(ShareVisit visit, Item item, CancellationToken cancellationToken)
    {
        RequireLink(visit);
        var id = visit.Share.Id;
        var now = clock.Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var counted = await db.Shares
            .Where(s => s.Id == id && s.Revoked == null && s.Expires > now && (s.MaxDownloads == null || s.Downloads < s.MaxDownloads))
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Downloads, s => s.Downloads + 1), cancellationToken);
        if (counted == 0)
            throw Gone(ShareState.Exhausted);
        outbox.Add(visit.Share.OwnerId, "share.accessed", new
        {
            shareId = id,
            itemId = item.Id,
            name = item.Name,
            kind = item.Kind == ItemKind.Folder ? "folder" : "file",
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// A file dropped through a file request: stored in the shared folder as its owner, under a
    /// fresh name if the name is taken (the visitor never learns what exists). The size limit is
    /// checked against the declared length before reading and again while streaming; the count
    /// limit takes a slot with a conditional UPDATE first and gives it back if the upload fails.
    /// </summary>
    public async Task<Item> ReceiveAsync(
        ShareVisit visit, string? rawName, Stream content, long? declaredLength, CancellationToken cancellationToken)
    {
        var share = visit.Share;
        if (share.Kind != ShareKind.Request)
            throw new NotFoundException();
        var name = ItemName.Normalize(rawName);
        if (share.MaxFileBytes is { } maxBytes && declaredLength > maxBytes)
            throw BlobPipeline.TooLarge(maxBytes);

        var id = share.Id;
        var now = clock.Now();
        var reserved = await db.Shares
            .Where(s => s.Id == id && s.Revoked == null && s.Expires > now && (s.MaxFiles == null || s.Uploads < s.MaxFiles))
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Uploads, s => s.Uploads + 1), cancellationToken);
        if (reserved == 0)
            throw Gone(ShareState.Exhausted);

        UploadResult result;
        try
        {
            // The owner is told through the outbox, in the same save that files the upload.
            result = await drive.UploadAsync(
                share.OwnerId, visit.Root.Id.ToString(), name, content, declaredLength, ConflictMode.Rename, cancellationToken,
                maxBytes: share.MaxFileBytes,
                beforeCommit: item => outbox.Add(share.OwnerId, "file.uploaded", new
                {
                    itemId = item.Id,
                    name = item.Name,
                    size = item.Size,
                    folderId = visit.Root.Id,
                    via = "file-request",
                    shareId = id,
                }));
        }
        catch (Exception e)
        {
            await db.Shares.Where(s => s.Id == id && s.Uploads > 0)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Uploads, s => s.Uploads - 1), CancellationToken.None);
            if (e is QuotaExceededException)
                throw OwnerOutOfSpace(); // the visitor learns nothing of the owner's storage
            throw;
        }

        return result.Item;
    }

    private static PayloadTooLargeException OwnerOutOfSpace() =>
        new("There is no room for this file.", "The person who asked for files is out of storage space; let them know.");

    public static bool HasPassword(Share share) => share.PasswordHash is not null;

    public static bool VerifyPassword(Share share, string? password) =>
        share.PasswordHash is { } hash && !string.IsNullOrEmpty(password) && password.Length <= MaxPasswordLength
        && Hasher.VerifyHashedPassword(share, hash, password) != PasswordVerificationResult.Failed;

    /// <summary>A short fingerprint of the password hash: proof of a right password carries it, so a changed or removed password voids the proof.</summary>
    public static string PasswordStamp(Share share) =>
        share.PasswordHash is { } hash ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hash)))[..32] : "";

    private static void RequireLink(ShareVisit visit)
    {
        if (visit.Share.Kind != ShareKind.Link)
            throw new NotFoundException(); // a file request shows nothing of its folder
    }

    private static NotFoundException UnknownLink() => new("This link does not exist.");

    private static GoneException Gone(ShareState state) => state switch
    {
        ShareState.Expired => new("This link has expired.", "Ask the person who shared it for a new one."),
        ShareState.Revoked => new("This link was turned off by its owner.", "Ask the person who shared it for a new one."),
        _ => new("This link has been used up.", "It allowed a limited number of downloads or files, and they have all been used."),
    };
}
