using Coffer.Core.Shares;

namespace Coffer.Core.Drive;

/// <summary>What a caller may do with an item: ordered, so "at least read-write" is a comparison.</summary>
public enum ItemAccess
{
    /// <summary>See, list and download (a folder shared read-only, and everything below it).</summary>
    Read = 0,

    /// <summary>Also add, rename, move and delete inside (a folder shared read-write).</summary>
    ReadWrite = 1,

    /// <summary>The caller's own item: everything, sharing included.</summary>
    Owner = 2,
}

/// <summary>
/// An item as one caller reaches it (the answer of <see cref="ItemLookup.ResolveAsync(Guid, string?, CancellationToken)"/>):
/// the item, how much the caller may do with it, and the grant that lets them in (null when they own it).
/// </summary>
public sealed record ReachedItem(Item Item, ItemAccess Access, ItemGrant? Grant)
{
    public bool CanWrite => Access >= ItemAccess.ReadWrite;

    public bool IsOwner => Access == ItemAccess.Owner;

    /// <summary>
    /// True for the folder the grant names: the top of what the grantee sees. Its parent is not
    /// theirs to see, and only its owner may rename, move or delete it.
    /// </summary>
    public bool IsGrantRoot => Grant is { } grant && grant.ItemId == Item.Id;

    public static ItemAccess AccessOf(GrantAccess access) => access == GrantAccess.ReadWrite ? ItemAccess.ReadWrite : ItemAccess.Read;
}
