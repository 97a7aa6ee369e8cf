namespace Coffer.Core.Shares;

/// <summary>What a visitor with a share's token may do.</summary>
public enum ShareKind
{
    /// <summary>See and download the file, or browse and download the folder.</summary>
    Link = 0,

    /// <summary>A file request: drop files into the folder, seeing nothing that is already there.</summary>
    Request = 1,
}

/// <summary>
/// A public link to one of a user's items. The token itself is shown once, when the link is
/// made; only its SHA-256 is kept, so the table cannot be used to open anything.
/// </summary>
public sealed class Share
{
    public Guid Id { get; set; }
    public Guid OwnerId { get; set; }
    public Guid ItemId { get; set; }
    public ShareKind Kind { get; set; }

    /// <summary>Lower-case hex SHA-256 of the token.</summary>
    public required string TokenHash { get; set; }

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Expires { get; set; }
    public DateTimeOffset? Revoked { get; set; }

    /// <summary>A password hash (ASP.NET Core Identity's format) when visitors must give one; null otherwise.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>Link: how many downloads it allows (null: no limit), and how many it has served.</summary>
    public int? MaxDownloads { get; set; }

    public int Downloads { get; set; }

    /// <summary>Request: the largest file and the most files it accepts (null: no limit), and how many arrived.</summary>
    public long? MaxFileBytes { get; set; }

    public int? MaxFiles { get; set; }
    public int Uploads { get; set; }
}
