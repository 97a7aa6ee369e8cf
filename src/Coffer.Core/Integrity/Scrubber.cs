using System.Security.Cryptography;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Integrity;

/// <summary>What one scrub did: blobs read back, problems found (and repaired), orphans seen, blobs left for later runs.</summary>
public sealed record ScrubReport(int Checked, long BytesRead, int Missing, int Corrupt, int Repaired, int Orphans, int NotYetVerified)
{
    /// <summary>Problems this scrub found that are still there.</summary>
    public int Unresolved => Missing + Corrupt - Repaired + Orphans;

    public string Summary =>
        $"checked {Checked} blob(s) ({BytesRead} bytes): {Missing} missing, {Corrupt} corrupt, {Repaired} repaired from the backup, " +
        $"{Orphans} orphan object(s); {NotYetVerified} blob(s) not verified yet";
}

/// <summary>
/// Reads blobs back and checks them against the metadata: every byte through the
/// <see cref="BlobPipeline"/> (so sealed blobs are decrypted and every segment authenticated),
/// the length against <see cref="Blob.Size"/>, the SHA-256 against the file version's. What is
/// wrong becomes an <see cref="IntegrityFinding"/>; a damaged or missing blob with a verified
/// backup copy is copied back (when asked to repair) and read again. The store's listing is
/// compared with the metadata too, so objects nothing names show up as orphans: on a healthy
/// store the report is empty.
/// </summary>
public sealed partial class Scrubber(
    CofferDb db,
    IBlobStore store,
    BlobPipeline pipeline,
    IKeyVault keys,
    IOptions<EncryptionOptions> encryption,
    IOptions<GcOptions> gc,
    TimeProvider clock,
    ILogger<Scrubber> logger,
    BackupStore? backup = null)
{
    private const int BatchSize = 100;

    /// <summary>
    /// Scrubs up to <paramref name="maxBytes"/> (0: every blob, in one go, as <c>coffer fsck</c> does),
    /// never-verified blobs first, then the longest-unverified; then lists the store for orphans.
    /// </summary>
    public async Task<ScrubReport> ScrubAsync(long maxBytes, bool repair, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        var tally = new Tally();
        var batches = maxBytes == 0 ? AllAsync(cancellationToken) : LongestUnverifiedAsync(startedAt, cancellationToken);
        await foreach (var batch in batches)
        {
            var ids = batch.ConvertAll(b => b.Id);
            var hashes = await db.FileVersions.Where(v => ids.Contains(v.BlobId))
                .Select(v => new { v.BlobId, v.Sha256 }).ToListAsync(cancellationToken);
            foreach (var blob in batch)
            {
                if (maxBytes > 0 && tally.Bytes >= maxBytes)
                    break;
                await ScrubOneAsync(blob, hashes.FirstOrDefault(h => h.BlobId == blob.Id)?.Sha256, repair, tally, cancellationToken);
                await renewLease();
            }
            if (maxBytes > 0 && tally.Bytes >= maxBytes)
                break;
        }
        var orphans = await ReportOrphansAsync(renewLease, cancellationToken);
        var waiting = await db.Blobs.CountAsync(b => b.VerifiedAt == null || b.VerifiedAt < startedAt, cancellationToken);
        return new ScrubReport(tally.Checked, tally.Bytes, tally.Missing, tally.Corrupt, tally.Repaired, orphans, waiting);
    }

    private sealed class Tally
    {
        public int Checked { get; set; }
        public long Bytes { get; set; }
        public int Missing { get; set; }
        public int Corrupt { get; set; }
        public int Repaired { get; set; }
    }

    /// <summary>Every blob, in id order (a cursor, not an offset: rows deleted meanwhile cannot make it skip any).</summary>
    private async IAsyncEnumerable<List<Blob>> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Guid? after = null;
        while (true)
        {
            var query = db.Blobs.AsNoTracking();
            if (after is { } last)
                query = query.Where(b => b.Id.CompareTo(last) > 0);
            var batch = await query.OrderBy(b => b.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                yield break;
            yield return batch;
            after = batch[^1].Id;
        }
    }

    /// <summary>
    /// Never-verified blobs first (in id order), then those verified longest ago; blobs this run
    /// verified get a time after <paramref name="startedAt"/> and so are not met again.
    /// </summary>
    private async IAsyncEnumerable<List<Blob>> LongestUnverifiedAsync(
        DateTimeOffset startedAt, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Guid? after = null;
        while (true)
        {
            var query = db.Blobs.AsNoTracking().Where(b => b.VerifiedAt == null);
            if (after is { } last)
                query = query.Where(b => b.Id.CompareTo(last) > 0);
            var batch = await query.OrderBy(b => b.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                break;
            yield return batch;
            after = batch[^1].Id;
        }
        DateTimeOffset? afterTime = null;
        after = null;
        while (true)
        {
            var query = db.Blobs.AsNoTracking().Where(b => b.VerifiedAt != null && b.VerifiedAt < startedAt);
            if (afterTime is { } time && after is { } last)
                query = query.Where(b => b.VerifiedAt > time || (b.VerifiedAt == time && b.Id.CompareTo(last) > 0));
            var batch = await query.OrderBy(b => b.VerifiedAt).ThenBy(b => b.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                yield break;
            yield return batch;
            (afterTime, after) = (batch[^1].VerifiedAt, batch[^1].Id);
        }
    }

    private async Task ScrubOneAsync(Blob blob, string? sha256, bool repair, Tally tally, CancellationToken cancellationToken)
    {
        var check = await CheckAsync(pipeline, blob, sha256, cancellationToken);
        tally.Checked++;
        tally.Bytes += check.BytesRead;
        if (check.Problem is not { } problem)
        {
            await MarkCleanAsync(blob, cancellationToken);
            return;
        }
        if (!await db.Blobs.AnyAsync(b => b.Id == blob.Id && b.StoreKey == blob.StoreKey, cancellationToken))
            return; // deleted, or re-sealed into another object, while it was read: nothing is wrong
        if (problem == IntegrityProblem.Missing)
            tally.Missing++;
        else
            tally.Corrupt++;
        var detail = check.Detail;
        DateTimeOffset? repaired = null;
        if (repair)
        {
            var (done, note) = await RepairAsync(blob, sha256, cancellationToken);
            detail += "; " + note;
            if (done)
            {
                repaired = clock.GetUtcNow();
                tally.Repaired++;
            }
        }
        LogProblem(problem, blob.StoreKey, detail);
        await RecordAsync(blob, problem, detail, repaired, cancellationToken);
    }

    /// <summary>One blob's problem, if any, and how many content bytes were read.</summary>
    private readonly record struct Check(IntegrityProblem? Problem, string Detail, long BytesRead);

    /// <summary>
    /// Reads the whole blob through <paramref name="through"/> (the primary store's pipeline, or one
    /// over the backup store): sealed blobs are authenticated segment by segment as they are read.
    /// Thumbnails have no recorded hash, so for them the size and the authentication are the check.
    /// </summary>
    private static async Task<Check> CheckAsync(BlobPipeline through, Blob blob, string? sha256, CancellationToken cancellationToken)
    {
        try
        {
            await using var content = await through.OpenAsync(blob, cancellationToken);
            var (size, hash) = await BlobPipeline.CopyHashingAsync(content, null, cancellationToken);
            if (size != blob.Size)
                return new Check(IntegrityProblem.Corrupt, $"it reads back as {size} bytes, not the {blob.Size} recorded", size);
            var actual = Convert.ToHexStringLower(hash);
            if (sha256 is not null && !string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
                return new Check(IntegrityProblem.Corrupt, $"its content's SHA-256 is {actual}, not the {sha256} recorded", size);
            return new Check(null, "", size);
        }
        catch (BlobNotFoundException)
        {
            return new Check(IntegrityProblem.Missing, "the store does not have it", 0);
        }
        catch (BlobIntegrityException ex)
        {
            return new Check(IntegrityProblem.Corrupt, ex.What, 0);
        }
        catch (CryptographicException ex)
        {
            return new Check(IntegrityProblem.Corrupt, $"it cannot be opened: {ex.Message}", 0);
        }
    }

    /// <summary>
    /// Copies the backup's copy back over the primary key, only when that copy itself reads back
    /// intact (the same check), then reads the primary again. The copy reuses the replicator's
    /// verified copy, so what lands is byte for byte what the backup holds.
    /// </summary>
    private async Task<(bool Done, string Note)> RepairAsync(Blob blob, string? sha256, CancellationToken cancellationToken)
    {
        if (backup is null)
            return (false, "not repaired: no backup store is configured");
        if (blob.ReplicatedAt is null)
            return (false, "not repaired: the backup store has no verified copy of it");
        var fromBackup = await CheckAsync(new BlobPipeline(backup.Store, keys, encryption), blob, sha256, cancellationToken);
        if (fromBackup.Problem is not null)
            return (false, $"not repaired: the backup copy is damaged too ({fromBackup.Detail})");
        try
        {
            await Replicator.CopyVerifiedAsync(backup.Store, store, blob.StoreKey, Replicator.StoredLength(blob), cancellationToken);
        }
        catch (Exception ex) when (ex is BlobNotFoundException or CryptographicException or IOException)
        {
            return (false, $"not repaired: copying it back failed ({ex.Message})");
        }
        var again = await CheckAsync(pipeline, blob, sha256, cancellationToken);
        if (again.Problem is not null)
            return (false, $"not repaired: it is still wrong after the copy ({again.Detail})");
        // The copy landed in the store's default class (hot directory, S3 STANDARD): say so, so lifecycle rules move it again.
        await db.Blobs.Where(b => b.Id == blob.Id && b.StoreKey == blob.StoreKey)
            .ExecuteUpdateAsync(set => set.SetProperty(b => b.StorageClass, (string?)null), cancellationToken);
        LogRepaired(blob.StoreKey);
        return (true, "repaired from the backup store");
    }

    /// <summary>Records the verification (only if the row still names the object that was read) and drops earlier findings.</summary>
    private async Task MarkCleanAsync(Blob blob, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var marked = await db.Blobs.Where(b => b.Id == blob.Id && b.StoreKey == blob.StoreKey)
            .ExecuteUpdateAsync(set => set.SetProperty(b => b.VerifiedAt, now), cancellationToken);
        if (marked == 1)
            await db.IntegrityFindings.Where(f => f.BlobId == blob.Id).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>One finding per blob and problem: a later scrub updates it rather than adding another.</summary>
    private async Task RecordAsync(Blob blob, IntegrityProblem problem, string detail, DateTimeOffset? repaired, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await db.IntegrityFindings.Where(f => f.BlobId == blob.Id && f.Repaired == null && f.Problem != problem)
            .ExecuteDeleteAsync(cancellationToken); // it was missing, now it is corrupt (or the reverse): the newest says what is wrong
        var finding = await db.IntegrityFindings.Where(f => f.BlobId == blob.Id && f.Problem == problem && f.Repaired == null)
            .OrderBy(f => f.Found).FirstOrDefaultAsync(cancellationToken);
        if (finding is null)
        {
            finding = new IntegrityFinding { Id = Guid.CreateVersion7(), BlobId = blob.Id, StoreKey = blob.StoreKey, Problem = problem, Detail = "", Found = now };
            db.IntegrityFindings.Add(finding);
        }
        finding.Detail = Shorten(detail);
        finding.Repaired = repaired;
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        if (repaired is not null)
            await db.Blobs.Where(b => b.Id == blob.Id).ExecuteUpdateAsync(set => set.SetProperty(b => b.VerifiedAt, now), cancellationToken);
    }

    /// <summary>
    /// Lists the store and records every object nothing names (garbage collection removes them
    /// once they are older than its grace period); orphan findings not seen again are dropped.
    /// </summary>
    private async Task<int> ReportOrphansAsync(Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var passStart = clock.GetUtcNow();
        var orphans = 0;
        var batch = new List<StoredObject>(GarbageCollector.BatchSize);
        await foreach (var stored in store.ListAsync("", cancellationToken))
        {
            batch.Add(stored);
            if (batch.Count < GarbageCollector.BatchSize)
                continue;
            orphans += await RecordOrphansAsync(batch, passStart, cancellationToken);
            batch.Clear();
            await renewLease();
        }
        if (batch.Count > 0)
            orphans += await RecordOrphansAsync(batch, passStart, cancellationToken);
        await db.IntegrityFindings.Where(f => f.Problem == IntegrityProblem.Orphan && f.Found < passStart).ExecuteDeleteAsync(cancellationToken);
        return orphans;
    }

    private async Task<int> RecordOrphansAsync(List<StoredObject> batch, DateTimeOffset passStart, CancellationToken cancellationToken)
    {
        var unnamed = await GarbageCollector.UnnamedAsync(db, batch.ConvertAll(o => o.Key), clock.GetUtcNow(), cancellationToken);
        if (unnamed.Count == 0)
            return 0;
        var known = await db.IntegrityFindings.Where(f => f.Problem == IntegrityProblem.Orphan && unnamed.Contains(f.StoreKey))
            .ToDictionaryAsync(f => f.StoreKey, cancellationToken);
        foreach (var key in unnamed)
        {
            var stored = batch.First(o => o.Key == key);
            if (!known.TryGetValue(key, out var finding))
            {
                finding = new IntegrityFinding { Id = Guid.CreateVersion7(), StoreKey = key, Problem = IntegrityProblem.Orphan, Detail = "" };
                db.IntegrityFindings.Add(finding);
            }
            finding.Found = passStart; // for orphans: when last seen, so the ones garbage collection removed drop out
            finding.Detail = $"no file, version or thumbnail uses it ({stored.Size} bytes, written {stored.LastModified:u}); " +
                $"garbage collection removes it {gc.Value.GraceHours:0.##} hour(s) after it was written";
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return unnamed.Count;
    }

    private static string Shorten(string text) => text.Length > 2000 ? text[..2000] : text;

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub: blob {BlobKey} is {Problem}: {Detail}")]
    private partial void LogProblem(IntegrityProblem problem, string blobKey, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrub: blob {BlobKey} was repaired from the backup store")]
    private partial void LogRepaired(string blobKey);
}
