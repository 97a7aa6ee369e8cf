namespace Coffer.Core.Drive;

public enum ItemKind
{
    Folder = 0,
    File = 1,
}

/// <summary>
/// A file or folder. Names live only here (never in blob keys). A file's current content is
/// <see cref="CurrentVersionId"/>; its size and hash are copied here so a listing reads one table.
/// </summary>
public sealed class Item
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }

    /// <summary>Null only for a user's root folder, whose id is the user's id.</summary>
    public Guid? ParentId { get; set; }

    public required string Name
    {
        get => _name;
        set
        {
            _name = value;
            SearchName = ItemName.SearchKey(value);
        }
    }

    /// <summary>
    /// The name folded for case-insensitive substring search (<see cref="ItemName.SearchKey"/>).
    /// Set with <see cref="Name"/> and only there, so no door can store one without the other;
    /// each provider indexes it for substring queries (the "Search" migration).
    /// </summary>
    public string SearchName { get; private set; } = "";

    private string _name = "";
    public ItemKind Kind { get; set; }
    public Guid? CurrentVersionId { get; set; }
    public long Size { get; set; }
    public string? ContentType { get; set; }

    /// <summary>Lower-case hex SHA-256 of the current content; files only.</summary>
    public string? Sha256 { get; set; }

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    /// <summary>The current content has a verified copy in the backup store (copied from its blob's state).</summary>
    public bool Replicated { get; set; }

    /// <summary>
    /// When the item went to the trash, with everything below it; null for a live item. Every
    /// query sees live items only (the model's query filter); the trash asks for the others.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; set; }

    /// <summary>The trash entry this item went with: the id of the item that was deleted (its own id for that one).</summary>
    public Guid? TrashRootId { get; set; }

    /// <summary>Who deleted it (the trash entry only): the owner, or someone the folder was shared with.</summary>
    public Guid? DeletedBy { get; set; }

    /// <summary>
    /// Where the trash entry came from: its folder's id and that folder's path then, so a restore
    /// can put it back or, if that folder is gone, recreate the path. A trash entry itself hangs
    /// off the owner's root meanwhile, so purging one entry never takes another with it.
    /// </summary>
    public Guid? OriginalParentId { get; set; }

    public string? OriginalPath { get; set; }

    public bool IsRoot => ParentId is null;
}
