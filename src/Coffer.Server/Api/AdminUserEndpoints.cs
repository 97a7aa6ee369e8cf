using System.Text.Json;
using Coffer.Core;
using Coffer.Core.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

/// <summary>A user as admins see them: quotaBytes and the version settings are the user's own overrides (null = the server's default).</summary>
public sealed record AdminUserDto(
    Guid Id, string Email, string? DisplayName, bool IsAdmin, bool Disabled,
    long? QuotaBytes, long? EffectiveQuotaBytes, long UsedBytes, int? VersionKeepLast, int? VersionKeepDays)
{
    public static AdminUserDto From(AdministeredUser administered)
    {
        var u = administered.User;
        return new AdminUserDto(u.Id, u.Email, u.DisplayName, u.IsAdmin, u.Disabled,
            u.QuotaBytes, administered.Usage.QuotaBytes, administered.Usage.UsedBytes, u.VersionKeepLast, u.VersionKeepDays);
    }
}

public sealed record AdminUserListDto(IReadOnlyList<AdminUserDto> Users);

/// <summary>/api/v1/admin/users: every user with their storage, and the per-user settings (quota, version retention).</summary>
public static class AdminUserEndpoints
{
    public static RouteGroupBuilder MapAdminUserEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/users", ListUsers);
        admin.MapGet("/users/{id}", GetUser);
        admin.MapPatch("/users/{id}", UpdateUser).Accepts<JsonElement>("application/json");
        return admin;
    }

    public static async Task<Ok<AdminUserListDto>> ListUsers(UserAdministration users, CancellationToken cancellationToken)
    {
        var list = await users.ListAsync(cancellationToken);
        return TypedResults.Ok(new AdminUserListDto([.. list.Select(AdminUserDto.From)]));
    }

    public static async Task<Ok<AdminUserDto>> GetUser(string id, UserAdministration users, CancellationToken cancellationToken) =>
        TypedResults.Ok(AdminUserDto.From(await users.GetAsync(ParseId(id), cancellationToken)));

    /// <summary>
    /// <c>{quotaBytes?, versionKeepLast?, versionKeepDays?}</c>: a field left out stays as it is; null
    /// clears the override (back to the server's default). Read as raw JSON, since a record would
    /// not tell a missing field from a null one.
    /// </summary>
    public static async Task<Ok<AdminUserDto>> UpdateUser(string id, JsonElement body, UserAdministration users, CancellationToken cancellationToken)
    {
        var userId = ParseId(id);
        if (body.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException("The body must be a JSON object.", "Send {\"quotaBytes\": ..., \"versionKeepLast\": ..., \"versionKeepDays\": ...}.");
        var change = new UserSettingsChange(
            Read<long>(body, "quotaBytes", e => e.TryGetInt64(out var v) ? v : null),
            Read<int>(body, "versionKeepLast", e => e.TryGetInt32(out var v) ? v : null),
            Read<int>(body, "versionKeepDays", e => e.TryGetInt32(out var v) ? v : null));
        return TypedResults.Ok(AdminUserDto.From(await users.UpdateAsync(userId, change, cancellationToken)));
    }

    /// <summary>A whole number, null, or absent; anything else is a 400 naming the field.</summary>
    private static Maybe<T?> Read<T>(JsonElement body, string field, Func<JsonElement, T?> number)
        where T : struct
    {
        foreach (var property in body.EnumerateObject())
        {
            if (!string.Equals(property.Name, field, StringComparison.OrdinalIgnoreCase))
                continue;
            if (property.Value.ValueKind == JsonValueKind.Null)
                return new Maybe<T?>(true, null);
            if (property.Value.ValueKind == JsonValueKind.Number && number(property.Value) is { } value)
                return new Maybe<T?>(true, value);
            throw new InvalidInputException($"{field} must be a whole number or null.", $"Use 0 or more, or null for the server's default.", field);
        }
        return default;
    }

    private static Guid ParseId(string id) => Guid.TryParse(id, out var userId) ? userId : throw new NotFoundException("No such user.");
}
