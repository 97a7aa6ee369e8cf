using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Coffer.Core.Accounts;
using Coffer.Core.Blobs;
using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Coffer.Core.Lifecycle;

/// <summary>What a rule is created or changed with; null leaves a field as it is (on a change).</summary>
/// <remarks>
/// The folder is <see cref="FolderId"/> (an item id), or <see cref="OwnerEmail"/> with <see cref="Path"/>
/// (a folder in that user's tree); <see cref="WholeStore"/> true clears it (on a change).
/// </remarks>
public sealed record LifecycleRuleInput(
    string? Name = null,
    string? FolderId = null,
    string? OwnerEmail = null,
    string? Path = null,
    bool? WholeStore = null,
    string? Action = null,
    int? AfterDays = null,
    string? StorageClass = null,
    bool? Enabled = null);

/// <summary>One file (or the file a moved blob belongs to) a rule acts on, for a report's sample.</summary>
/// <remarks><see cref="Modified"/> is set for delete rules (their age test), <see cref="Created"/> for moves (the blob's).</remarks>
public sealed record LifecycleSampleEntry(Guid ItemId, string Path, string Owner, long Size, DateTimeOffset? Modified, DateTimeOffset? Created);

/// <summary>What a rule did (or, on a dry run, would do): how many files or blobs, how many bytes, the first ones.</summary>
public sealed record LifecycleReport(LifecycleRule Rule, bool DryRun, int Count, long Bytes, IReadOnlyList<LifecycleSampleEntry> Sample, string Outcome);

/// <summary>
/// Admins' lifecycle rules and their runs. A run walks its selection in bounded batches (keyset
/// pages by id), so no list of the store's files is ever held in memory, and acts on each: delete
/// through <see cref="DriveService"/> (as the file's owner, with every check a delete has), or move
/// the blob to another storage class and then record the class with a conditional update, so a
/// blob changed meanwhile (deleted, re-sealed into another object) is never marked wrongly. What a
/// rule did, it finds nothing left to do: a second run is empty.
/// </summary>
public sealed partial class LifecycleService(
    CofferDb db,
    ItemLookup lookup,
    DriveService drive,
    IBlobStore store,
    TimeProvider clock,
    ILogger<LifecycleService> logger)
{
    public const int MaxNameLength = 200;
    public const int MaxAfterDays = 36_500;

    /// <summary>How many files or blobs one query fetches (and one lease renewal covers).</summary>
    internal const int BatchSize = 100;

    /// <summary>How many entries a report lists.</summary>
    public const int SampleSize = 100;

    /// <summary>How many folder ids one query names (providers limit the parameters of one statement).</summary>
    private const int FolderChunk = 500;

    /// <summary>S3 classes that keep objects where a GET cannot reach them until restored.</summary>
    private static readonly string[] RestoreClasses = ["GLACIER", "DEEP_ARCHIVE"];

    public async Task<IReadOnlyList<LifecycleRule>> ListAsync(CancellationToken cancellationToken) =>
        await db.LifecycleRules.AsNoTracking().OrderBy(r => r.Created).ThenBy(r => r.Id).ToListAsync(cancellationToken);

    public async Task<LifecycleRule> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.LifecycleRules.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken)
        ?? throw new NotFoundException("No such lifecycle rule.");

    public Task<LifecycleRule> GetAsync(string? id, CancellationToken cancellationToken) =>
        GetAsync(ParseRuleId(id), cancellationToken);

    public async Task<LifecycleRule> CreateAsync(LifecycleRuleInput input, CancellationToken cancellationToken)
    {
        var rule = new LifecycleRule
        {
            Id = Guid.CreateVersion7(),
            Name = ValidName(input.Name ?? throw new InvalidInputException("A rule needs a name.", field: "name")),
            Action = ParseAction(input.Action ?? throw new InvalidInputException("A rule needs an action.",
                "action is trash, deleteForever or moveToStorageClass.", "action")),
            AfterDays = ValidAfterDays(input.AfterDays ?? throw new InvalidInputException("A rule needs afterDays.", field: "afterDays")),
            Enabled = input.Enabled ?? true,
            Created = clock.Now(),
        };
        rule.FolderId = await FolderOfAsync(input, cancellationToken);
        rule.StorageClass = ValidStorageClass(rule.Action, input.StorageClass);
        db.LifecycleRules.Add(rule);
        await db.SaveChangesAsync(cancellationToken);
        return rule;
    }

    public async Task<LifecycleRule> UpdateAsync(string? id, LifecycleRuleInput input, CancellationToken cancellationToken)
    {
        var ruleId = ParseRuleId(id);
        var rule = await db.LifecycleRules.SingleOrDefaultAsync(r => r.Id == ruleId, cancellationToken)
            ?? throw new NotFoundException("No such lifecycle rule.");
        if (input.Name is not null)
            rule.Name = ValidName(input.Name);
        if (input.AfterDays is { } days)
            rule.AfterDays = ValidAfterDays(days);
        if (input.Enabled is { } enabled)
            rule.Enabled = enabled;
        if (input.WholeStore == true || input.FolderId is not null || input.OwnerEmail is not null || input.Path is not null)
            rule.FolderId = await FolderOfAsync(input, cancellationToken);
        if (input.Action is not null || input.StorageClass is not null)
        {
            rule.Action = input.Action is null ? rule.Action : ParseAction(input.Action);
            // Moving to another action drops the class; a move keeps its class unless a new one is given.
            var storageClass = input.StorageClass ?? (rule.Action == LifecycleAction.MoveToStorageClass ? rule.StorageClass : null);
            rule.StorageClass = ValidStorageClass(rule.Action, storageClass);
        }
        await db.SaveChangesAsync(cancellationToken);
        return rule;
    }

    public async Task DeleteAsync(string? id, CancellationToken cancellationToken)
    {
        var ruleId = ParseRuleId(id);
        if (await db.LifecycleRules.Where(r => r.Id == ruleId).ExecuteDeleteAsync(cancellationToken) == 0)
            throw new NotFoundException("No such lifecycle rule.");
    }

    /// <summary>What the rule would do now, changing nothing.</summary>
    public async Task<LifecycleReport> DryRunAsync(string? id, CancellationToken cancellationToken) =>
        await ExecuteAsync(await GetAsync(id, cancellationToken), act: false, renewLease: null, cancellationToken);

    /// <summary>Runs one rule now (enabled or not: an admin asked), records and returns what it did.</summary>
    public async Task<LifecycleReport> RunAsync(string? id, CancellationToken cancellationToken) =>
        await RunAsync(await GetAsync(id, cancellationToken), renewLease: null, cancellationToken);

    /// <summary>
    /// Runs every enabled rule (the lifecycle job), each recording its own outcome; a rule that fails
    /// does not stop the others. <paramref name="renewLease"/> is called between batches.
    /// </summary>
    public async Task<IReadOnlyList<(LifecycleRule Rule, string Outcome)>> RunEnabledAsync(Func<Task>? renewLease, CancellationToken cancellationToken)
    {
        var rules = await db.LifecycleRules.AsNoTracking().Where(r => r.Enabled).OrderBy(r => r.Created).ThenBy(r => r.Id)
            .ToListAsync(cancellationToken);
        var outcomes = new List<(LifecycleRule, string)>();
        // A failed renewal (the lease lost) ends the whole run, as the job wants; a rule's own failure does not.
        Func<Task>? renew = renewLease is null ? null : async () =>
        {
            try
            {
                await renewLease();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new RenewalFailedException(ex);
            }
        };
        foreach (var rule in rules)
        {
            try
            {
                outcomes.Add((rule, (await RunAsync(rule, renew, cancellationToken)).Outcome));
            }
            catch (RenewalFailedException ex)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException!);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // recorded on the rule by RunAsync; the other rules still run
                outcomes.Add((rule, "failed: " + ex.Message));
            }
        }
        return outcomes;
    }

    /// <summary>Carries a lease renewal's failure through a rule's run untouched.</summary>
    private sealed class RenewalFailedException(Exception inner) : Exception(inner.Message, inner);

    private async Task<LifecycleReport> RunAsync(LifecycleRule rule, Func<Task>? renewLease, CancellationToken cancellationToken)
    {
        LifecycleReport report;
        try
        {
            report = await ExecuteAsync(rule, act: true, renewLease, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not RenewalFailedException)
        {
            LogRuleFailed(ex, rule.Name, rule.Id);
            await RecordAsync(rule.Id, Truncate("failed: " + ex.Message), CancellationToken.None);
            throw;
        }
        await RecordAsync(rule.Id, report.Outcome, cancellationToken);
        rule.LastRun = clock.Now();
        rule.LastOutcome = report.Outcome;
        return report with { Rule = rule };
    }

    private async Task RecordAsync(Guid ruleId, string outcome, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        // Only the two run columns: an admin's change to the rule meanwhile stays.
        await db.LifecycleRules.Where(r => r.Id == ruleId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LastRun, now).SetProperty(r => r.LastOutcome, outcome), cancellationToken);
    }

    private async Task<LifecycleReport> ExecuteAsync(LifecycleRule rule, bool act, Func<Task>? renewLease, CancellationToken cancellationToken)
    {
        var cutoff = clock.Now() - TimeSpan.FromDays(rule.AfterDays);
        var sample = new List<LifecycleSampleEntry>();
        var owners = new Dictionary<Guid, string>();
        var (count, bytes) = (0, 0L);
        if (rule.Action == LifecycleAction.MoveToStorageClass)
        {
            var classes = ClassStore();
            var target = rule.StorageClass ?? classes.DefaultStorageClass;
            if (!classes.IsSupported(target))
                throw new InvalidOperationException($"The configured store has no storage class '{target}' (any more).");
            var stored = target == classes.DefaultStorageClass ? null : target; // null stands for the default class
            var missing = 0;
            await foreach (var batch in BlobBatchesAsync(rule, cutoff, stored, cancellationToken))
            {
                foreach (var blob in batch)
                {
                    if (sample.Count < SampleSize && await SampleOfBlobAsync(blob, owners, cancellationToken) is { } blobEntry)
                        sample.Add(blobEntry);
                    if (act && !await MoveAsync(classes, blob, target, stored, cancellationToken))
                    {
                        missing++;
                        continue;
                    }
                    (count, bytes) = (count + 1, bytes + blob.Size);
                }
                if (act && renewLease is not null)
                    await renewLease();
            }
            var verb = act ? "moved" : "would move";
            var outcome = $"{verb} {count} blob{Plural(count)} ({ByteSize.Format(bytes)}) to {target}";
            if (missing > 0)
                outcome += $"; {missing} blob{Plural(missing)} changed or missing meanwhile, left as they are";
            return new LifecycleReport(rule, !act, count, bytes, sample, outcome);
        }

        var permanent = rule.Action == LifecycleAction.DeleteForever;
        var gone = 0;
        await foreach (var batch in FileBatchesAsync(rule, cutoff, cancellationToken))
        {
            foreach (var file in batch)
            {
                var entry = sample.Count < SampleSize ? await SampleOfFileAsync(file, owners, cancellationToken) : null;
                if (act)
                {
                    try
                    {
                        // As the owner: the same delete (and checks, and events) as theirs, if the file
                        // is still as selected (not changed since, nor moved out of the rule's folder).
                        if (!await drive.DeleteAsync(file.OwnerId, file.Id.ToString(), cancellationToken, permanent,
                                onlyIf: now => now.Modified < cutoff && now.ParentId == file.ParentId))
                        {
                            gone++;
                            continue;
                        }
                    }
                    catch (NotFoundException)
                    {
                        gone++; // deleted (or its folder) since the batch was read
                        continue;
                    }
                }
                if (entry is not null)
                    sample.Add(entry);
                (count, bytes) = (count + 1, bytes + file.Size);
            }
            db.ChangeTracker.Clear(); // the deletes' tracked items: a long run stays small
            if (act && renewLease is not null)
                await renewLease();
        }
        var what = $"{count} file{Plural(count)} ({ByteSize.Format(bytes)})";
        var result = (act, permanent) switch
        {
            (true, false) => $"moved {what} to the trash",
            (true, true) => $"deleted {what} for good",
            (false, false) => $"would move {what} to the trash",
            (false, true) => $"would delete {what} for good",
        };
        if (gone > 0)
            result += $"; {gone} already gone";
        return new LifecycleReport(rule, !act, count, bytes, sample, result);
    }

    /// <summary>Moves one blob and records its class; false when the blob changed or vanished meanwhile.</summary>
    private async Task<bool> MoveAsync(IStorageClassStore classes, BlobCandidate blob, string target, string? stored, CancellationToken cancellationToken)
    {
        try
        {
            await classes.MoveAsync(blob.StoreKey, target, cancellationToken);
        }
        catch (BlobNotFoundException)
        {
            return false; // deleted (or re-sealed under another key) since the batch was read; scrub reports true losses
        }
        var updated = await db.Blobs
            .Where(b => b.Id == blob.Id && b.StoreKey == blob.StoreKey && b.StorageClass == blob.StorageClass)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.StorageClass, stored), cancellationToken);
        if (updated == 1)
            return true;
        // No row names this key any more (deleted while it moved): a copy the move made must not linger.
        if (!await db.Blobs.AnyAsync(b => b.StoreKey == blob.StoreKey, cancellationToken))
            await drive.DeleteBlobsQuietlyAsync([blob.StoreKey]); // one that cannot be deleted is left for garbage collection
        return false;
    }

    private IStorageClassStore ClassStore() =>
        store as IStorageClassStore ?? throw new InvalidInputException("The configured store has no storage classes.", field: "storageClass");

    private sealed record FileCandidate(Guid Id, Guid OwnerId, Guid? ParentId, long Size, DateTimeOffset Modified);

    private sealed record BlobCandidate(Guid Id, string StoreKey, long Size, DateTimeOffset Created, string? StorageClass);

    /// <summary>Live files in scope not modified since <paramref name="cutoff"/>, a batch at a time in id order.</summary>
    private async IAsyncEnumerable<List<FileCandidate>> FileBatchesAsync(LifecycleRule rule, DateTimeOffset cutoff,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = db.Items.AsNoTracking().Where(i => i.Kind == ItemKind.File && i.Modified < cutoff);
        await foreach (var scoped in ScopesAsync(rule, cancellationToken))
        {
            var inScope = scoped is null ? files : files.Where(i => i.ParentId != null && scoped.Contains(i.ParentId.Value));
            Guid? after = null;
            while (true)
            {
                var page = after is { } last ? inScope.Where(i => i.Id.CompareTo(last) > 0) : inScope;
                var batch = await page.OrderBy(i => i.Id).Take(BatchSize)
                    .Select(i => new FileCandidate(i.Id, i.OwnerId, i.ParentId, i.Size, i.Modified))
                    .ToListAsync(cancellationToken);
                if (batch.Count == 0)
                    break;
                yield return batch;
                if (batch.Count < BatchSize)
                    break;
                after = batch[^1].Id;
            }
        }
    }

    /// <summary>
    /// Blobs of file versions (current and older) in scope, written before <paramref name="cutoff"/>,
    /// not in the target class. Thumbnails are no file version's: they stay. The whole store includes
    /// the versions of trashed files; a folder's scope its live files only.
    /// </summary>
    private async IAsyncEnumerable<List<BlobCandidate>> BlobBatchesAsync(LifecycleRule rule, DateTimeOffset cutoff, string? stored,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var blobs = db.Blobs.AsNoTracking().Where(b => b.Created < cutoff);
        blobs = stored is null ? blobs.Where(b => b.StorageClass != null) : blobs.Where(b => b.StorageClass == null || b.StorageClass != stored);
        await foreach (var scoped in ScopesAsync(rule, cancellationToken))
        {
            var inScope = scoped is null
                ? blobs.Where(b => db.FileVersions.Any(v => v.BlobId == b.Id))
                : blobs.Where(b => db.FileVersions.Any(v => v.BlobId == b.Id && db.Items.Any(i =>
                    i.Id == v.ItemId && i.ParentId != null && scoped.Contains(i.ParentId.Value))));
            Guid? after = null;
            while (true)
            {
                var page = after is { } last ? inScope.Where(b => b.Id.CompareTo(last) > 0) : inScope;
                var batch = await page.OrderBy(b => b.Id).Take(BatchSize)
                    .Select(b => new BlobCandidate(b.Id, b.StoreKey, b.Size, b.Created, b.StorageClass))
                    .ToListAsync(cancellationToken);
                if (batch.Count == 0)
                    break;
                yield return batch;
                if (batch.Count < BatchSize)
                    break;
                after = batch[^1].Id;
            }
        }
    }

    /// <summary>
    /// The rule's scope as chunks of folder ids (the folder and every live folder below it), or a
    /// single null for the whole store. Only folders are held, never files.
    /// </summary>
    private async IAsyncEnumerable<List<Guid>?> ScopesAsync(LifecycleRule rule, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (rule.FolderId is not { } root)
        {
            yield return null;
            yield break;
        }
        var folders = new List<Guid>();
        if (await db.Items.AnyAsync(i => i.Id == root && i.Kind == ItemKind.Folder, cancellationToken))
            folders.Add(root); // a folder trashed since leaves nothing in scope
        for (var level = folders; level.Count > 0;)
        {
            var next = new List<Guid>();
            foreach (var chunk in level.Chunk(FolderChunk))
            {
                var ids = chunk.ToList();
                next.AddRange(await db.Items.AsNoTracking()
                    .Where(i => i.Kind == ItemKind.Folder && i.ParentId != null && ids.Contains(i.ParentId.Value))
                    .Select(i => i.Id)
                    .ToListAsync(cancellationToken));
            }
            folders.AddRange(next);
            level = next;
        }
        foreach (var chunk in folders.Chunk(FolderChunk))
            yield return [.. chunk];
    }

    /// <summary>The sample's line for a file; null when it was deleted since its batch was read.</summary>
    private async Task<LifecycleSampleEntry?> SampleOfFileAsync(FileCandidate file, Dictionary<Guid, string> owners, CancellationToken cancellationToken)
    {
        var item = await db.ItemsWithTrash.AsNoTracking().SingleOrDefaultAsync(i => i.Id == file.Id, cancellationToken);
        if (item is null)
            return null;
        return new LifecycleSampleEntry(file.Id, await lookup.PathOfAsync(item, cancellationToken),
            await OwnerAsync(file.OwnerId, owners, cancellationToken), file.Size, file.Modified, null);
    }

    /// <summary>The sample's line for a blob (named by its oldest version's file); null when that went since its batch was read.</summary>
    private async Task<LifecycleSampleEntry?> SampleOfBlobAsync(BlobCandidate blob, Dictionary<Guid, string> owners, CancellationToken cancellationToken)
    {
        var itemIds = await db.FileVersions.AsNoTracking().Where(v => v.BlobId == blob.Id).OrderBy(v => v.Created)
            .Select(v => v.ItemId).Take(1).ToListAsync(cancellationToken);
        var item = itemIds.Count == 0 ? null
            : await db.ItemsWithTrash.AsNoTracking().SingleOrDefaultAsync(i => i.Id == itemIds[0], cancellationToken);
        if (item is null)
            return null;
        var path = item.DeletedAt is null ? await lookup.PathOfAsync(item, cancellationToken) : $"(trash) {item.Name}";
        return new LifecycleSampleEntry(item.Id, path, await OwnerAsync(item.OwnerId, owners, cancellationToken), blob.Size, null, blob.Created);
    }

    private async Task<string> OwnerAsync(Guid ownerId, Dictionary<Guid, string> owners, CancellationToken cancellationToken)
    {
        if (!owners.TryGetValue(ownerId, out var email))
        {
            email = await db.Users.AsNoTracking().Where(u => u.Id == ownerId).Select(u => u.Email).SingleAsync(cancellationToken);
            owners[ownerId] = email;
        }
        return email;
    }

    /// <summary>The folder an input names (by id, or by owner and path), or null for the whole store.</summary>
    private async Task<Guid?> FolderOfAsync(LifecycleRuleInput input, CancellationToken cancellationToken)
    {
        if (input.FolderId is not null && (input.OwnerEmail is not null || input.Path is not null))
            throw new InvalidInputException("Name the folder once.", "Give folderId, or ownerEmail with path, not both.", "folderId");
        if (input.WholeStore == true && (input.FolderId is not null || input.OwnerEmail is not null || input.Path is not null))
            throw new InvalidInputException("A rule covers a folder or the whole store, not both.", field: "wholeStore");
        if (input.FolderId is { } raw)
        {
            // Any user's folder: admins manage the whole store.
            if (!Guid.TryParse(raw, out var folderId) || !await db.Items.AnyAsync(i => i.Id == folderId && i.Kind == ItemKind.Folder, cancellationToken))
                throw new InvalidInputException("No such folder.", "folderId must be the id of an existing folder.", "folderId");
            return folderId;
        }
        if (input.OwnerEmail is not null || input.Path is not null)
        {
            if (input.OwnerEmail is null || input.Path is null)
                throw new InvalidInputException("A folder by path needs both ownerEmail and path.", field: input.OwnerEmail is null ? "ownerEmail" : "path");
            var normalized = EmailAddress.Normalize(input.OwnerEmail);
            var ownerId = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => (Guid?)u.Id).SingleOrDefaultAsync(cancellationToken)
                ?? throw new InvalidInputException("No such user.", "ownerEmail must be an account's email.", "ownerEmail");
            Item folder;
            try
            {
                folder = await lookup.GetByPathAsync(ownerId, input.Path, cancellationToken);
            }
            catch (NotFoundException)
            {
                throw new InvalidInputException("No such folder.", "path must name an existing folder in that user's files.", "path");
            }
            if (folder.Kind != ItemKind.Folder)
                throw new InvalidInputException("That is a file.", "path must name a folder.", "path");
            return folder.Id;
        }
        return null;
    }

    private static Guid ParseRuleId(string? id) =>
        Guid.TryParse(id, out var ruleId) ? ruleId : throw new NotFoundException("No such lifecycle rule.");

    private static string ValidName(string name)
    {
        name = name.Trim();
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl))
            throw new InvalidInputException("A rule's name must be 1 to 200 characters, without control characters.", field: "name");
        return name;
    }

    private static int ValidAfterDays(int days) => days is >= 1 and <= MaxAfterDays
        ? days
        : throw new InvalidInputException($"afterDays must be between 1 and {MaxAfterDays}.", field: "afterDays");

    /// <summary>The API's names of the actions.</summary>
    public static string NameOf(LifecycleAction action) => action switch
    {
        LifecycleAction.Trash => "trash",
        LifecycleAction.DeleteForever => "deleteForever",
        _ => "moveToStorageClass",
    };

    private static LifecycleAction ParseAction(string action) => action.Trim().ToLowerInvariant() switch
    {
        "trash" => LifecycleAction.Trash,
        "deleteforever" => LifecycleAction.DeleteForever,
        "movetostorageclass" => LifecycleAction.MoveToStorageClass,
        _ => throw new InvalidInputException("Unknown action.", "action is trash, deleteForever or moveToStorageClass.", "action"),
    };

    /// <summary>The class for a move, checked against the configured store; none for the other actions.</summary>
    private string? ValidStorageClass(LifecycleAction action, string? storageClass)
    {
        if (action != LifecycleAction.MoveToStorageClass)
        {
            if (!string.IsNullOrWhiteSpace(storageClass))
                throw new InvalidInputException("storageClass applies to moveToStorageClass rules only.", field: "storageClass");
            return null;
        }
        if (string.IsNullOrWhiteSpace(storageClass))
            throw new InvalidInputException("A move needs a storageClass.", field: "storageClass");
        var name = storageClass.Trim().ToUpperInvariant();
        if (store is not IStorageClassStore classes)
            throw new InvalidInputException("The configured store has no storage classes.", field: "storageClass");
        if (RestoreClasses.Contains(name, StringComparer.Ordinal))
            throw new InvalidInputException($"Coffer cannot use the storage class {name}.",
                $"Objects in {name} must be restored before every read, so downloads would fail. Use one of: {string.Join(", ", classes.StorageClasses)}.",
                "storageClass");
        if (!classes.IsSupported(name))
            throw new InvalidInputException($"The configured store has no storage class {name}.",
                $"storageClass must be one of: {string.Join(", ", classes.StorageClasses)}.", "storageClass");
        return name;
    }

    private static string Plural(int count) => count == 1 ? "" : "s";

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..1997] + "...";

    [LoggerMessage(Level = LogLevel.Error, Message = "Lifecycle rule {Name} ({Id}) failed")]
    private partial void LogRuleFailed(Exception exception, string name, Guid id);
}
