using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Coffer.Core.Drive;

/// <summary>
/// What a signed download URL grants: one version of one file, with the access of the user who
/// asked for it (the owner, or someone it is shared with, checked again at each download), until a moment.
/// </summary>
public sealed record DownloadGrant(Guid UserId, Guid ItemId, Guid VersionId, DateTimeOffset Expires)
{
    /// <summary>The exact text that is signed; every field of the URL is in it.</summary>
    internal string Canonical =>
        string.Create(CultureInfo.InvariantCulture, $"download\n{UserId:N}\n{ItemId:N}\n{VersionId:N}\n{Expires.ToUnixTimeSeconds()}");
}

/// <summary>
/// Time-limited download links: HMAC-SHA256 over the grant with a server key, so a link works
/// without other credentials until it expires, and any change to it makes it worthless.
/// </summary>
public sealed class DownloadLinks(DownloadLinks.SigningKey key, ItemLookup lookup, TimeProvider clock)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    /// <summary>The HMAC key; a distinct type so it cannot be confused with other secrets in DI.</summary>
    public sealed record SigningKey(byte[] Bytes);

    public async Task<(DownloadGrant Grant, string Signature)> CreateAsync(
        Guid userId, string? id, int? expiresInSeconds, CancellationToken cancellationToken)
    {
        var lifetime = expiresInSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultLifetime;
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
            throw new InvalidInputException(
                $"expiresInSeconds must be between 1 and {(int)MaxLifetime.TotalSeconds}.", field: "expiresInSeconds");
        var item = await lookup.GetAsync(userId, id, cancellationToken);
        if (item.Kind != ItemKind.File)
            throw new InvalidInputException("A folder has no content to download.", field: "id");

        var expires = DateTimeOffset.FromUnixTimeSeconds((clock.GetUtcNow() + lifetime).ToUnixTimeSeconds());
        var grant = new DownloadGrant(userId, item.Id, item.CurrentVersionId!.Value, expires);
        return (grant, Sign(grant));
    }

    /// <summary>True when the signature is this server's for exactly this grant and the grant has not expired.</summary>
    public bool Verify(DownloadGrant grant, string? signature)
    {
        if (signature is null || signature.Length != 64)
            return false;
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(Mac(grant), given) && grant.Expires > clock.GetUtcNow();
    }

    private string Sign(DownloadGrant grant) => Convert.ToHexStringLower(Mac(grant));

    private byte[] Mac(DownloadGrant grant) => HMACSHA256.HashData(key.Bytes, Encoding.UTF8.GetBytes(grant.Canonical));
}
