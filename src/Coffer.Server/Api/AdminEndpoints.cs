using Coffer.Core;
using Coffer.Core.Persistence;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Api;

/// <summary>A background job as admins see it: who runs it now and how its last run ended.</summary>
public sealed record JobDto(string Name, string? Holder, DateTimeOffset? LeaseExpires, DateTimeOffset? LastRun, string? LastOutcome);

public sealed record JobListDto(IReadOnlyList<JobDto> Jobs);

/// <summary>
/// /api/v1/admin: what only admins may see or change. The group's filter is the one place that
/// rule lives; each admin area maps its endpoints onto the group it is given.
/// </summary>
public static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").WithTags("Admin")
            .AddEndpointFilter(RequireAdmin)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapGet("/jobs", ListJobs);
        admin.MapIntegrityEndpoints();
        admin.MapAdminUserEndpoints();
        admin.MapLifecycleEndpoints();
        return admin;
    }

    /// <summary>Every background job that has run at least once (a job's lease row is made by its first run).</summary>
    public static async Task<Ok<JobListDto>> ListJobs(CofferDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var leases = await db.JobLeases.AsNoTracking().OrderBy(l => l.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(new JobListDto(leases.ConvertAll(l =>
            l.Expires > now
                ? new JobDto(l.Name, l.Holder, l.Expires, l.LastRun, l.LastOutcome)
                : new JobDto(l.Name, null, null, l.LastRun, l.LastOutcome))));
    }

    /// <summary>Checked against the database on every call, so taking admin rights away (or disabling the account) works at once.</summary>
    private static async ValueTask<object?> RequireAdmin(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var db = http.RequestServices.GetRequiredService<CofferDb>();
        var userId = http.User.UserId();
        if (!await db.Users.AnyAsync(u => u.Id == userId && u.IsAdmin && !u.Disabled, http.RequestAborted))
            throw new ForbiddenException("Only administrators can do this.");
        return await next(context);
    }
}
