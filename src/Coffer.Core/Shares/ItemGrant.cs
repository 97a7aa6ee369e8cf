namespace Coffer.Core.Shares;

public enum GrantAccess
{
    Read = 0,
    ReadWrite = 1,
}

/// <summary>
/// An internal share: the owner lets another user into one of their folders, read-only or
/// read-write. Everything below the folder comes with it; deleting the row ends access at once.
/// </summary>
public sealed class ItemGrant
{
    public Guid Id { get; set; }

    /// <summary>The shared folder, and its owner (kept here so access checks need no join).</summary>
    public Guid ItemId { get; set; }

    public Guid OwnerId { get; set; }
    public Guid GranteeId { get; set; }
    public GrantAccess Access { get; set; }
    public DateTimeOffset Created { get; set; }
}
