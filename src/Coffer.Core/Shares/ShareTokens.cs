using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Coffer.Core.Shares;

/// <summary>
/// The secret in a share URL: 192 random bits as base64url. Only its SHA-256 is stored; with that
/// much entropy a fast hash is as safe as a slow one, and it lets the row be found by an index.
/// </summary>
public static class ShareTokens
{
    private const int RandomBytes = 24;

    /// <summary>The length of every token this server hands out (base64url of <see cref="RandomBytes"/>, no padding).</summary>
    public const int Length = RandomBytes * 4 / 3;

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>False for anything this server could not have made: such a token is unknown without a database query.</summary>
    public static bool IsWellFormed(string? token) =>
        token is { Length: Length } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Lower-case hex SHA-256, as <see cref="Share.TokenHash"/> keeps it.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Compares two hashes without an early exit, so timing says nothing about how much of a guess matched.</summary>
    public static bool HashesEqual(string a, string b) =>
        a.Length == b.Length && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
