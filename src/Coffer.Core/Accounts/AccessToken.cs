namespace Coffer.Core.Accounts;

/// <summary>A personal access token. Only the SHA-256 of its secret is stored.</summary>
public sealed class AccessToken
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the secret; the secret itself is shown once and never stored.</summary>
    public required string SecretHash { get; set; }

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? LastUsed { get; set; }
    public DateTimeOffset? Expires { get; set; }
}
