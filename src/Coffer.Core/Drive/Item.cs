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

    public bool IsRoot => ParentId is null;
}
