using Coffer.Core.Drive;
using Coffer.Core.Lifecycle;
using Coffer.Core.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Api;

/// <summary>
/// A lifecycle rule as admins see it. The folder is given by id; <c>folderOwner</c> and
/// <c>folderPath</c> say whose and where (null for a rule over the whole store).
/// </summary>
public sealed record LifecycleRuleDto(
    string Id, string Name, string? FolderId, string? FolderOwner, string? FolderPath, string Action, int AfterDays,
    string? StorageClass, bool Enabled, DateTimeOffset Created, DateTimeOffset? LastRun, string? LastOutcome);

public sealed record LifecycleRuleListDto(IReadOnlyList<LifecycleRuleDto> Rules);

/// <summary>
/// A dry run's or a run's report: how many files (delete rules) or blobs (moves) and bytes, a sentence,
/// and the first 100 entries. A dry run names its count <c>wouldAffect</c>, a run <c>affected</c>.
/// </summary>
public sealed record LifecycleReportDto(
    LifecycleRuleDto Rule, bool DryRun, int? WouldAffect, int? Affected, long Bytes, string Outcome, IReadOnlyList<LifecycleSampleDto> Sample);

public sealed record LifecycleSampleDto(string ItemId, string Path, string Owner, long Size, DateTimeOffset? Modified, DateTimeOffset? Created);

/// <summary>/api/v1/admin/lifecycle-rules: thin adapters over <see cref="LifecycleService"/> (the admin group checks the caller).</summary>
public static class LifecycleEndpoints
{
    public static RouteGroupBuilder MapLifecycleEndpoints(this RouteGroupBuilder admin)
    {
        var rules = admin.MapGroup("/lifecycle-rules").WithTags("Admin: lifecycle rules");
        rules.MapGet("", List);
        rules.MapPost("", Create);
        rules.MapGet("/{id}", Get);
        rules.MapPatch("/{id}", Change);
        rules.MapDelete("/{id}", Remove);
        rules.MapPost("/{id}/dry-run", DryRun);
        rules.MapPost("/{id}/run", Run);
        return rules;
    }

    public static async Task<Ok<LifecycleRuleListDto>> List(LifecycleService lifecycle, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var rules = await lifecycle.ListAsync(cancellationToken);
        var dtos = new List<LifecycleRuleDto>(rules.Count);
        foreach (var rule in rules)
            dtos.Add(await DtoAsync(rule, db, lookup, cancellationToken));
        return TypedResults.Ok(new LifecycleRuleListDto(dtos));
    }

    public static async Task<Created<LifecycleRuleDto>> Create(
        LifecycleRuleInput body, LifecycleService lifecycle, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken)
    {
        var rule = await lifecycle.CreateAsync(body, cancellationToken);
        return TypedResults.Created($"/api/v1/admin/lifecycle-rules/{rule.Id}", await DtoAsync(rule, db, lookup, cancellationToken));
    }

    public static async Task<Ok<LifecycleRuleDto>> Get(string id, LifecycleService lifecycle, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DtoAsync(await lifecycle.GetAsync(id, cancellationToken), db, lookup, cancellationToken));

    public static async Task<Ok<LifecycleRuleDto>> Change(
        string id, LifecycleRuleInput body, LifecycleService lifecycle, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DtoAsync(await lifecycle.UpdateAsync(id, body, cancellationToken), db, lookup, cancellationToken));

    public static async Task<NoContent> Remove(string id, LifecycleService lifecycle, CancellationToken cancellationToken)
    {
        await lifecycle.DeleteAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<LifecycleReportDto>> DryRun(string id, LifecycleService lifecycle, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ReportAsync(await lifecycle.DryRunAsync(id, cancellationToken), db, lookup, cancellationToken));

    /// <summary>Runs the rule now, enabled or not, and answers when it is done (a big first run takes a while).</summary>
    public static async Task<Ok<LifecycleReportDto>> Run(string id, LifecycleService lifecycle, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ReportAsync(await lifecycle.RunAsync(id, cancellationToken), db, lookup, cancellationToken));

    private static async Task<LifecycleReportDto> ReportAsync(LifecycleReport report, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken) =>
        new(await DtoAsync(report.Rule, db, lookup, cancellationToken), report.DryRun,
            report.DryRun ? report.Count : null, report.DryRun ? null : report.Count, report.Bytes, report.Outcome,
            [.. report.Sample.Select(s => new LifecycleSampleDto(s.ItemId.ToString(), s.Path, s.Owner, s.Size, s.Modified, s.Created))]);

    private static async Task<LifecycleRuleDto> DtoAsync(LifecycleRule rule, CofferDb db, ItemLookup lookup, CancellationToken cancellationToken)
    {
        string? owner = null, path = null;
        if (rule.FolderId is { } folderId
            && await db.ItemsWithTrash.AsNoTracking().SingleOrDefaultAsync(i => i.Id == folderId, cancellationToken) is { } folder)
        {
            owner = await db.Users.AsNoTracking().Where(u => u.Id == folder.OwnerId).Select(u => u.Email).SingleAsync(cancellationToken);
            path = folder.DeletedAt is null ? await lookup.PathOfAsync(folder, cancellationToken) : null; // a trashed folder has no path
        }
        return new LifecycleRuleDto(rule.Id.ToString(), rule.Name, rule.FolderId?.ToString(), owner, path, LifecycleService.NameOf(rule.Action),
            rule.AfterDays, rule.StorageClass, rule.Enabled, rule.Created, rule.LastRun, rule.LastOutcome);
    }
}
