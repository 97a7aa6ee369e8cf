using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Accounts;

/// <summary>A token as its owner may see it: everything but the secret.</summary>
public sealed record AccessTokenInfo(Guid Id, string Name, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Expires);

/// <summary>A freshly minted token; <see cref="Secret"/> exists only in this answer.</summary>
public sealed record NewAccessToken(AccessTokenInfo Info, string Secret);

/// <summary>Personal access tokens for API clients (<c>Authorization: Bearer</c>).</summary>
public sealed class AccessTokenService(CofferDb db, AccountService accounts, TimeProvider clock)
{
    public const string SecretPrefix = "cof_";
    public const int MaxNameLength = 200;

    /// <summary>Recording every use would write on every request; this often is enough to show "last used".</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<NewAccessToken> CreateAsync(string? email, string? password, string? name, CancellationToken cancellationToken)
    {
        var user = await accounts.VerifyPasswordAsync(email, password, cancellationToken);
        return await CreateForAsync(user.Id, name, cancellationToken);
    }

    public async Task<NewAccessToken> CreateForAsync(Guid userId, string? name, CancellationToken cancellationToken)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name))
            throw new InvalidInputException("A token name is required.", field: "name");
        if (name.Length > MaxNameLength)
            throw new InvalidInputException($"A token name can be at most {MaxNameLength} characters long.", field: "name");
        if (name.Any(char.IsControl))
            throw new InvalidInputException("A token name cannot contain control characters.", field: "name");

        var secret = SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var token = new AccessToken
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Name = name,
            SecretHash = Hash(secret),
            Created = clock.Now(),
        };
        db.AccessTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new NewAccessToken(ToInfo(token), secret);
    }

    /// <summary>The user a secret belongs to, or null when the token is unknown, expired, or its user disabled.</summary>
    public async Task<Guid?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 100)
            return null;
        var hash = Hash(secret);
        var token = await db.AccessTokens.AsNoTracking()
            .Where(t => t.SecretHash == hash)
            .Join(db.Users.Where(u => !u.Disabled), t => t.UserId, u => u.Id, (t, u) => t)
            .SingleOrDefaultAsync(cancellationToken);
        var now = clock.Now();
        if (token is null || token.Expires <= now)
            return null;
        if (token.LastUsed is null || now - token.LastUsed > LastUsedResolution)
        {
            await db.AccessTokens.Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsed, now), cancellationToken);
        }
        return token.UserId;
    }

    public async Task<IReadOnlyList<AccessTokenInfo>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var tokens = await db.AccessTokens.AsNoTracking()
            .Where(t => t.UserId == userId)
            .OrderBy(t => t.Id)
            .ToListAsync(cancellationToken);
        return tokens.ConvertAll(ToInfo);
    }

    public async Task RevokeAsync(Guid userId, Guid tokenId, CancellationToken cancellationToken)
    {
        var deleted = await db.AccessTokens
            .Where(t => t.Id == tokenId && t.UserId == userId)
            .ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
            throw new NotFoundException("No such token.");
    }

    private static AccessTokenInfo ToInfo(AccessToken t) => new(t.Id, t.Name, t.Created, t.LastUsed, t.Expires);

    /// <summary>The secret carries 256 random bits, so a fast hash is as safe as a slow one and keeps every request cheap.</summary>
    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
