namespace Coffer.Core.Accounts;

/// <summary>A person with an account. Their root folder is the item whose id equals the user's id.</summary>
public sealed class User
{
    public Guid Id { get; set; }
    public required string Email { get; set; }

    /// <summary>The email lower-cased, for the unique index and look-ups.</summary>
    public required string NormalizedEmail { get; set; }

    public required string PasswordHash { get; set; }
    public string? DisplayName { get; set; }
    public bool IsAdmin { get; set; }
    public bool Disabled { get; set; }

    /// <summary>Per-user quota in bytes; null means the configured default.</summary>
    public long? QuotaBytes { get; set; }

    /// <summary>Version retention for this user (how many old versions, how many days); null means the configured default.</summary>
    public int? VersionKeepLast { get; set; }

    public int? VersionKeepDays { get; set; }

    public DateTimeOffset Created { get; set; }

    /// <summary>
    /// Changes whenever the credentials do (a new password); a browser session made with an older
    /// stamp is no longer valid, so changing the password signs out every other session.
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    public static string NewSecurityStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
