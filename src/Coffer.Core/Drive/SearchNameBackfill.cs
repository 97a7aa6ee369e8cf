using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Drive;

/// <summary>
/// Gives items stored before the "Search" migration their <see cref="Item.SearchName"/>. The
/// migration cannot: SQLite's lower() folds only ASCII and PostgreSQL's depends on the database's
/// locale, and the key must be exactly <see cref="ItemName.SearchKey"/>'s or searches would miss.
/// So start-up does it in C#, after migrating and under the migration lock, in batches (bounded
/// memory); once every row has its key, it costs one query that finds nothing.
/// </summary>
public static class SearchNameBackfill
{
    private const int BatchSize = 500;

    /// <summary>Fills in every missing key; returns how many items it updated.</summary>
    public static async Task<int> RunAsync(CofferDb db, CancellationToken cancellationToken)
    {
        var updated = 0;
        while (true)
        {
            await using var transaction = await db.BeginWriteAsync(cancellationToken);
            // Only the root has an empty name, so an empty key elsewhere means "not computed yet".
            var batch = await db.Items
                .Where(i => i.SearchName == "" && i.ParentId != null)
                .OrderBy(i => i.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return updated;
            foreach (var item in batch)
            {
                item.Name = item.Name; // the setter derives SearchName
                if (item.SearchName.Length == 0)
                    throw new InvalidOperationException($"Item {item.Id} has an empty name: the metadata is damaged.");
            }
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            updated += batch.Count;
        }
    }
}
