using System.Net.Mail;

namespace Coffer.Core.Accounts;

public static class EmailAddress
{
    public const int MaxLength = 320;

    /// <summary>Validates an email address; returns it trimmed, and its lower-cased form for look-ups.</summary>
    public static (string Email, string Normalized) Parse(string? raw)
    {
        var email = raw?.Trim();
        if (string.IsNullOrEmpty(email))
            throw new InvalidInputException("An email address is required.", field: "email");
        if (email.Length > MaxLength
            || !MailAddress.TryCreate(email, out var parsed)
            || parsed.Address != email
            || !parsed.Host.Contains('.', StringComparison.Ordinal))
            throw new InvalidInputException("That is not a valid email address.", field: "email");
        return (email, Normalize(email));
    }

    /// <summary>The form emails are compared in: trimmed and lower-cased.</summary>
    public static string Normalize(string? email) => email?.Trim().ToLowerInvariant() ?? "";
}
