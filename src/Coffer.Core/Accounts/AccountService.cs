using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Accounts;

/// <summary>Creates accounts and checks passwords.</summary>
public sealed class AccountService(
    CofferDb db,
    IPasswordHasher<User> hasher,
    IOptions<AccountOptions> options,
    TimeProvider clock)
{
    public const int MaxDisplayNameLength = 200;

    /// <summary>A hash of a random password, verified against for unknown emails so both answers take as long.</summary>
    private static readonly Lazy<string> UnknownUserHash =
        new(() => new PasswordHasher<User>().HashPassword(null!, Guid.NewGuid().ToString()));

    /// <summary>
    /// Registers an account with its root folder. The first account becomes admin and may
    /// always register; later ones only while registration is open.
    /// </summary>
    public async Task<User> RegisterAsync(string? email, string? password, string? displayName, CancellationToken cancellationToken)
    {
        var (address, normalized) = EmailAddress.Parse(email);
        PasswordPolicy.Check(password);
        displayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim();
        if (displayName?.Length > MaxDisplayNameLength)
            throw new InvalidInputException($"The display name can be at most {MaxDisplayNameLength} characters long.", field: "displayName");
        if (displayName?.Any(char.IsControl) == true)
            throw new InvalidInputException("The display name cannot contain control characters.", field: "displayName");

        // Under the write lock: two sign-ups at once cannot both be "the first" (and admin).
        await using var transaction = await db.BeginWriteAsync(cancellationToken);
        var isFirst = !await db.Users.AnyAsync(cancellationToken);
        if (!isFirst && options.Value.Registration == RegistrationMode.Closed)
            throw new ForbiddenException("Registration is closed.", "Ask an administrator of this server for an account.");
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized, cancellationToken))
            throw EmailTaken();

        var now = clock.Now();
        var user = new User
        {
            Id = Guid.CreateVersion7(),
            Email = address,
            NormalizedEmail = normalized,
            PasswordHash = "",
            DisplayName = displayName,
            IsAdmin = isFirst,
            Created = now,
        };
        user.PasswordHash = hasher.HashPassword(user, password!);
        db.Users.Add(user);
        db.Items.Add(new Item { Id = user.Id, OwnerId = user.Id, Name = "", Kind = ItemKind.Folder, Created = now, Modified = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized, cancellationToken))
                throw EmailTaken(); // lost a race with a registration of the same email
            throw;
        }
        return user;
    }

    /// <summary>The active account with this email and password; the same failure for unknown emails and wrong passwords.</summary>
    public async Task<User> VerifyPasswordAsync(string? email, string? password, CancellationToken cancellationToken)
    {
        var normalized = EmailAddress.Normalize(email);
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (string.IsNullOrEmpty(password) || password.Length > PasswordPolicy.MaxLength)
            throw new InvalidCredentialsException();
        if (user is null)
        {
            hasher.VerifyHashedPassword(null!, UnknownUserHash.Value, password);
            throw new InvalidCredentialsException();
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed || user.Disabled)
            throw new InvalidCredentialsException();
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            await db.SaveChangesAsync(cancellationToken);
        }
        return user;
    }

    /// <summary>
    /// Sets a new password after checking the current one, and renews the security stamp so every
    /// other browser session of the account ends. Access tokens stay valid: they are revoked one by one.
    /// </summary>
    public async Task<User> ChangePasswordAsync(Guid userId, string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken) ?? throw new NotFoundException();
        if (string.IsNullOrEmpty(currentPassword) || currentPassword.Length > PasswordPolicy.MaxLength
            || hasher.VerifyHashedPassword(user, user.PasswordHash, currentPassword) == PasswordVerificationResult.Failed)
            throw new InvalidInputException("The current password is not correct.", field: "currentPassword");
        try
        {
            PasswordPolicy.Check(newPassword);
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException(e.Title, e.Detail, field: "newPassword");
        }

        user.PasswordHash = hasher.HashPassword(user, newPassword!);
        user.SecurityStamp = User.NewSecurityStamp();
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    /// <summary>Whether a session made for this user and stamp may still be used: the account exists, is enabled, and its credentials have not changed.</summary>
    public Task<bool> IsSessionValidAsync(Guid userId, string? securityStamp, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.Id == userId && !u.Disabled && u.SecurityStamp == securityStamp, cancellationToken);

    public async Task<User> GetAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken)
        ?? throw new NotFoundException();

    private static ConflictException EmailTaken() =>
        new("An account with this email address already exists.", field: "email");
}
