using Coffer.Core.Blobs;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Coffer.Core.Quotas;

/// <summary>A user's storage: their quota (null when unlimited) and the bytes that count against it.</summary>
public sealed record QuotaUsage(long? QuotaBytes, long UsedBytes)
{
    /// <summary>Bytes left before the quota; null when unlimited, 0 when at or over it.</summary>
    public long? FreeBytes => QuotaBytes is { } quota ? Math.Max(0, quota - UsedBytes) : null;
}

/// <summary>
/// Storage quotas, the one place their rules live. Usage is what the owner's files hold in storage
/// (each distinct blob once, old versions and the trash included) plus what uploads in flight
/// reserved. Uploads reserve-then-commit: a reservation row, taken under the write lock before
/// the first byte, holds the declared size; the commit checks again under the same lock with the
/// real size. So parallel uploads can never together pass the quota.
/// </summary>
public sealed class QuotaService(CofferDb db, IOptions<QuotaOptions> options, TimeProvider clock)
{
    /// <summary>
    /// How long a reservation counts if its upload never ends it (the instance crashed mid-upload):
    /// longer than any upload should take, short enough that a crash does not hold space for long.
    /// </summary>
    public static readonly TimeSpan ReservationLifetime = TimeSpan.FromDays(1);

    /// <summary>The quota that applies: the user's own, else the configured default; null when unlimited (0 means none).</summary>
    public long? EffectiveQuota(long? userQuotaBytes) =>
        (userQuotaBytes ?? options.Value.DefaultBytes) is > 0 and var quota ? quota : null;

    /// <summary>The owner's quota and usage, in one query.</summary>
    public async Task<QuotaUsage> UsageAsync(Guid ownerId, CancellationToken cancellationToken) =>
        await UsageAsync(ownerId, exceptStoreKey: null, cancellationToken) ?? throw new NotFoundException();

    /// <summary>Quota and usage of every user, keyed by id (the admin list).</summary>
    public async Task<Dictionary<Guid, QuotaUsage>> UsageOfAllAsync(CancellationToken cancellationToken)
    {
        var rows = await UsageQuery(db.Users, null).ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.UserId, r => new QuotaUsage(EffectiveQuota(r.QuotaBytes), r.Used));
    }

    /// <summary>
    /// Takes a reservation for an upload into <paramref name="ownerId"/>'s storage before its first byte
    /// is written, naming the blob key it writes; refuses (413) when the declared size does not fit.
    /// An undeclared size reserves nothing (the commit checks the real one) but still names the key.
    /// </summary>
    /// <param name="uploaderId">Who uploads, when it may be someone other than the owner (for the refusal's wording).</param>
    /// <returns>The reservation, and the limit the content must stay within (the free space), or none when the owner has no quota.</returns>
    public async Task<(Guid Id, WriteLimit? Limit)> ReserveAsync(
        Guid ownerId, long? declaredBytes, string storeKey, CancellationToken cancellationToken, Guid? uploaderId = null)
    {
        await using var transaction = await db.BeginWriteAsync(cancellationToken);
        var usage = await UsageAsync(ownerId, exceptStoreKey: null, cancellationToken) ?? throw new NotFoundException();
        var ownQuota = uploaderId is null || uploaderId == ownerId;
        WriteLimit? limit = null;
        long bytes = 0; // without a quota there is nothing to hold room in (a quota set meanwhile is checked at the commit)
        if (usage.QuotaBytes is { } quota)
        {
            bytes = Math.Max(0, declaredBytes ?? 0);
            var free = Math.Max(0, quota - usage.UsedBytes);
            if (bytes > free)
                throw new QuotaExceededException(bytes, quota, usage.UsedBytes, ownQuota);
            limit = new WriteLimit(free, received => new QuotaExceededException(received, quota, usage.UsedBytes, ownQuota));
        }
        var now = clock.Now();
        var reservation = new UploadReservation
        {
            Id = Guid.CreateVersion7(),
            OwnerId = ownerId,
            Bytes = bytes,
            StoreKey = storeKey,
            Created = now,
            Expires = now + ReservationLifetime,
        };
        db.UploadReservations.Add(reservation);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.Entry(reservation).State = EntityState.Detached;
        return (reservation.Id, limit);
    }

    /// <summary>
    /// Refuses (413) when <paramref name="bytes"/> more would put the owner over their quota.
    /// <paramref name="exceptStoreKey"/> names the upload being checked, whose own reservation (or
    /// direct upload) does not count against it. Call it under the write lock, in the transaction
    /// that then stores what it checked, so no other commit can slip in between.
    /// </summary>
    public async Task EnsureRoomAsync(Guid ownerId, long bytes, string? exceptStoreKey, CancellationToken cancellationToken, Guid? uploaderId = null)
    {
        var usage = await UsageAsync(ownerId, exceptStoreKey, cancellationToken) ?? throw new NotFoundException();
        if (usage.QuotaBytes is { } quota && bytes > quota - usage.UsedBytes) // not used + bytes: a huge declared size must not overflow
            throw new QuotaExceededException(bytes, quota, usage.UsedBytes, ownQuota: uploaderId is null || uploaderId == ownerId);
    }

    /// <summary>
    /// At an upload's commit, under the write lock: refuses (413) when its real size does not fit,
    /// else ends what held room for it (its reservation, or its direct upload) in the same
    /// transaction as the file it becomes, so its bytes are never counted twice, nor not at all.
    /// </summary>
    public async Task ChargeAsync(Guid ownerId, long bytes, string storeKey, CancellationToken cancellationToken, Guid? uploaderId = null)
    {
        await EnsureRoomAsync(ownerId, bytes, storeKey, cancellationToken, uploaderId);
        await db.UploadReservations.Where(r => r.StoreKey == storeKey).ExecuteDeleteAsync(cancellationToken);
        await db.DirectUploads.Where(d => d.StoreKey == storeKey).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Ends a reservation whose upload failed (a commit ends its own); never fails the request over it: an expired row is swept.</summary>
    public async Task ReleaseAsync(Guid reservationId)
    {
        try
        {
            await db.UploadReservations.Where(r => r.Id == reservationId).ExecuteDeleteAsync(CancellationToken.None);
        }
        catch (DbUpdateException)
        {
            // The sweep removes it once it expires.
        }
    }

    /// <summary>Deletes the reservations of uploads that never ended them (a crash); returns how many.</summary>
    public async Task<int> SweepExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await db.UploadReservations.Where(r => r.Expires < now).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<QuotaUsage?> UsageAsync(Guid ownerId, string? exceptStoreKey, CancellationToken cancellationToken)
    {
        var row = await UsageQuery(db.Users.Where(u => u.Id == ownerId), exceptStoreKey).SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : new QuotaUsage(EffectiveQuota(row.QuotaBytes), row.Used);
    }

    /// <summary>
    /// Each user's usage as one SQL query of scalar subqueries, each served by an index: the owner's
    /// items (trashed too) → their versions → each distinct blob's size; the owner's live reservations;
    /// the open direct uploads into the owner's folders (whoever started them, like pipeline uploads).
    /// </summary>
    private IQueryable<UsageRow> UsageQuery(IQueryable<Accounts.User> users, string? exceptStoreKey)
    {
        var now = clock.GetUtcNow();
        return users.Select(u => new UsageRow
        {
            UserId = u.Id,
            QuotaBytes = u.QuotaBytes,
            // A join that starts from the owner's items, so each database walks the indexes down from them.
            Used = (db.ItemsWithTrash
                        .Where(i => i.OwnerId == u.Id)
                        .Join(db.FileVersions, i => i.Id, v => v.ItemId, (i, v) => v)
                        .Select(v => new { v.BlobId, v.Blob.Size })
                        .Distinct()
                        .Sum(b => (long?)b.Size) ?? 0)
                + (db.UploadReservations
                        .Where(r => r.OwnerId == u.Id && r.Expires > now && (exceptStoreKey == null || r.StoreKey != exceptStoreKey))
                        .Sum(r => (long?)r.Bytes) ?? 0)
                + (db.DirectUploads
                        .Where(d => d.Expires > now && (exceptStoreKey == null || d.StoreKey != exceptStoreKey)
                            && db.ItemsWithTrash.Any(i => i.Id == d.FolderId && i.OwnerId == u.Id))
                        .Sum(d => (long?)d.Size) ?? 0),
        });
    }

    private sealed class UsageRow
    {
        public Guid UserId { get; init; }
        public long? QuotaBytes { get; init; }
        public long Used { get; init; }
    }
}
