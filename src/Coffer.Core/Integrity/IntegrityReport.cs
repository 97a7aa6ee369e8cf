using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Integrity;

/// <summary>The findings as admins read them (the API, <c>coffer fsck</c>): unrepaired first, then the newest.</summary>
public static class IntegrityReport
{
    public static Task<List<IntegrityFinding>> CurrentAsync(CofferDb db, CancellationToken cancellationToken, int max = 1000) =>
        db.IntegrityFindings.AsNoTracking()
            .OrderBy(f => f.Repaired != null)
            .ThenByDescending(f => f.Found)
            .ThenBy(f => f.StoreKey)
            .Take(max)
            .ToListAsync(cancellationToken);
}
