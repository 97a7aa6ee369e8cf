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

public sealed class PayloadTooLargeException(string title, string? detail = null) : CofferException(title, detail);

public sealed class ForbiddenException(string title, string? detail = null) : CofferException(title, detail);

/// <summary>It existed, but is no more: an expired, revoked or used-up share link (410).</summary>
public sealed class GoneException(string title, string? detail = null) : CofferException(title, detail);

/// <summary>Credentials were wrong. The message never says whether the account exists.</summary>
public sealed class InvalidCredentialsException() : CofferException("Invalid email or password.");

/// <summary>The server cannot start as configured (a missing or wrong key...): the message says what to fix.</summary>
public sealed class StartupException(string message) : Exception(message);
