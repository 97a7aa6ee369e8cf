using Coffer.Core.Integrity;
using Coffer.Core.Persistence;
using Coffer.Server.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Api;

/// <summary>One thing the scrub found wrong. <c>problem</c>: missing, corrupt or orphan; <c>repaired</c>: when it was restored from the backup.</summary>
public sealed record IntegrityFindingDto(
    string Id, string? BlobId, string StoreKey, string Problem, string Detail, DateTimeOffset Found, DateTimeOffset? Repaired);

/// <summary>The last scrub as its job recorded it (when, and its summary); null before the first run.</summary>
public sealed record ScrubRunDto(DateTimeOffset? Finished, string? Outcome);

public sealed record IntegrityDto(int Unrepaired, int Repaired, ScrubRunDto? LastScrub, IReadOnlyList<IntegrityFindingDto> Findings);

/// <summary>GET /api/v1/admin/integrity: the scrub's current findings, unrepaired first, and how its last run went.</summary>
public static class IntegrityEndpoints
{
    public static RouteGroupBuilder MapIntegrityEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/integrity", GetIntegrity);
        return admin;
    }

    public static async Task<Ok<IntegrityDto>> GetIntegrity(CofferDb db, CancellationToken cancellationToken)
    {
        var findings = await IntegrityReport.CurrentAsync(db, cancellationToken);
        var unrepaired = await db.IntegrityFindings.CountAsync(f => f.Repaired == null, cancellationToken);
        var repaired = await db.IntegrityFindings.CountAsync(f => f.Repaired != null, cancellationToken);
        var last = await db.JobLeases.AsNoTracking().Where(l => l.Name == ScrubJob.JobName && l.LastRun != null)
            .Select(l => new ScrubRunDto(l.LastRun, l.LastOutcome)).SingleOrDefaultAsync(cancellationToken);
        return TypedResults.Ok(new IntegrityDto(unrepaired, repaired, last, findings.ConvertAll(f => new IntegrityFindingDto(
            f.Id.ToString(), f.BlobId?.ToString(), f.StoreKey, f.Problem.ToString().ToLowerInvariant(), f.Detail, f.Found, f.Repaired))));
    }
}
