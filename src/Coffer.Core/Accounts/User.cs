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

    public DateTimeOffset Created { get; set; }
}
