namespace Coffer.Core;

/// <summary>
/// A failure the caller caused or can act on. The HTTP layer maps each kind to one status
/// code and a problem document; anything that is not a <see cref="CofferException"/> is a bug.
/// </summary>
public abstract class CofferException(string title, string? detail = null, string? field = null)
    : Exception(detail ?? title)
{
    public string Title { get; } = title;
    public string? Detail { get; } = detail;

    /// <summary>The request field that was wrong, when one was.</summary>
    public string? Field { get; } = field;
}

/// <summary>The item does not exist or is not the caller's: the two are indistinguishable on purpose.</summary>
public sealed class NotFoundException(string title = "Not found.") : CofferException(title);

public sealed class ConflictException(string title, string? detail = null, string? field = null)
    : CofferException(title, detail, field);

/// <summary>Input that can never succeed as sent (bad name, bad path, bad cursor, weak password...).</summary>
public sealed class InvalidInputException(string title, string? detail = null, string? field = null)
    : CofferException(title, detail, field);

public class PayloadTooLargeException(string title, string? detail = null) : CofferException(title, detail);

public sealed class ForbiddenException(string title, string? detail = null) : CofferException(title, detail);

/// <summary>It existed, but is no more: an expired, revoked or used-up share link (410).</summary>
public sealed class GoneException(string title, string? detail = null) : CofferException(title, detail);

/// <summary>Credentials were wrong. The message never says whether the account exists.</summary>
public sealed class InvalidCredentialsException() : CofferException("Invalid email or password.");

/// <summary>The server cannot start as configured (a missing or wrong key...): the message says what to fix.</summary>
public sealed class StartupException(string message) : Exception(message);

/// <summary>
/// An upload that does not fit in its owner's storage quota (413). Carries the numbers, so the
/// answer can say how much is free; <paramref name="ownQuota"/> is false when the uploader writes
/// into someone else's folder (shared with them), whose quota it is.
/// </summary>
public sealed class QuotaExceededException(long neededBytes, long quotaBytes, long usedBytes, bool ownQuota = true)
    : PayloadTooLargeException("Not enough storage space.",
        $"This upload needs {ByteSize.Format(neededBytes)}; " + (ownQuota ? "you have " : "the folder's owner has ")
        + $"{ByteSize.Format(Math.Max(0, quotaBytes - usedBytes))} free of {(ownQuota ? "your" : "their")} {ByteSize.Format(quotaBytes)} quota.")
{
    public long NeededBytes { get; } = neededBytes;
    public long QuotaBytes { get; } = quotaBytes;
    public long UsedBytes { get; } = usedBytes;
    public long FreeBytes => Math.Max(0, QuotaBytes - UsedBytes);
}

/// <summary>Byte counts for people: "0 B", "512 B", "1.5 KB", "12 MB", "1.21 GB" (binary multiples, the way file managers and the web UI show them).</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB", "PB"];

    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        var format = unit == 0 || value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##";
        return value.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
