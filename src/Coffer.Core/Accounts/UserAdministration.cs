using Coffer.Core.Persistence;
using Coffer.Core.Quotas;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Accounts;

/// <summary>A value that may be absent: a change leaves a setting alone unless <see cref="IsSet"/> (null then clears it).</summary>
public readonly record struct Maybe<T>(bool IsSet, T Value);

/// <summary>What an admin changes of one user's settings; each one left unset stays as it is, null goes back to the default.</summary>
public sealed record UserSettingsChange(Maybe<long?> QuotaBytes, Maybe<int?> VersionKeepLast, Maybe<int?> VersionKeepDays);

/// <summary>A user as an admin sees them: the account, its own settings, and its storage.</summary>
public sealed record AdministeredUser(User User, QuotaUsage Usage);

/// <summary>The per-user settings only admins may change (quota, version retention), and the list of users with their usage.</summary>
public sealed class UserAdministration(CofferDb db, QuotaService quotas)
{
    public async Task<IReadOnlyList<AdministeredUser>> ListAsync(CancellationToken cancellationToken)
    {
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Created).ThenBy(u => u.Id).ToListAsync(cancellationToken);
        var usage = await quotas.UsageOfAllAsync(cancellationToken);
        return users.ConvertAll(u => new AdministeredUser(u, usage.GetValueOrDefault(u.Id) ?? new QuotaUsage(quotas.EffectiveQuota(u.QuotaBytes), 0)));
    }

    public async Task<AdministeredUser> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken) ?? throw NoSuchUser();
        return new AdministeredUser(user, await quotas.UsageAsync(userId, cancellationToken));
    }

    /// <summary>
    /// Applies the change. A quota below what the user already stores is allowed: nothing is
    /// deleted, and their uploads are refused until they are under it again.
    /// </summary>
    public async Task<AdministeredUser> UpdateAsync(Guid userId, UserSettingsChange change, CancellationToken cancellationToken)
    {
        NotNegative(change.QuotaBytes, "quotaBytes");
        NotNegative(change.VersionKeepLast, "versionKeepLast");
        NotNegative(change.VersionKeepDays, "versionKeepDays");
        if (change.VersionKeepDays is { IsSet: true, Value: > MaxKeepDays })
            throw new InvalidInputException($"versionKeepDays can be at most {MaxKeepDays} (a hundred years).", field: "versionKeepDays");
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken) ?? throw NoSuchUser();
        if (change.QuotaBytes.IsSet)
            user.QuotaBytes = change.QuotaBytes.Value;
        if (change.VersionKeepLast.IsSet)
            user.VersionKeepLast = change.VersionKeepLast.Value;
        if (change.VersionKeepDays.IsSet)
            user.VersionKeepDays = change.VersionKeepDays.Value;
        await db.SaveChangesAsync(cancellationToken);
        return new AdministeredUser(user, await quotas.UsageAsync(userId, cancellationToken));
    }

    private static void NotNegative<T>(Maybe<T?> setting, string field)
        where T : struct, IComparable<T>
    {
        if (setting is { IsSet: true, Value: { } value } && value.CompareTo(default) < 0)
            throw new InvalidInputException($"{field} cannot be negative.", $"Use 0 or more, or null for the server's default.", field);
    }

    /// <summary>The same bound as <c>Coffer:Versions:KeepDays</c>: beyond it the age cut-off is not a date.</summary>
    private const int MaxKeepDays = 36_500;

    private static NotFoundException NoSuchUser() => new("No such user.");
}
