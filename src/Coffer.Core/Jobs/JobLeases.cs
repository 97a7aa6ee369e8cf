using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Core.Jobs;

/// <summary>This process among the instances sharing a database: the holder name its leases carry.</summary>
public sealed record InstanceName(string Value)
{
    public static InstanceName Create() => new($"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");
}

/// <summary>
/// Takes, renews and records job leases with single conditional statements, so two instances
/// asking at once cannot both get one: the database decides, whichever provider it is.
/// </summary>
public sealed class JobLeases(CofferDb db, InstanceName instance, TimeProvider clock)
{
    /// <summary>
    /// True when this instance holds <paramref name="job"/>'s lease until now + <paramref name="duration"/>:
    /// it already held it (renewed), the last holder's expired, or there was none yet.
    /// </summary>
    public async Task<bool> TryTakeAsync(string job, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + duration;
        var me = instance.Value;
        var taken = await db.JobLeases
            .Where(l => l.Name == job && (l.Holder == me || l.Expires < now))
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Holder, me).SetProperty(l => l.Expires, until), cancellationToken);
        if (taken == 1)
            return true;
        if (await db.JobLeases.AnyAsync(l => l.Name == job, cancellationToken))
            return false;
        db.JobLeases.Add(new JobLease { Name = job, Holder = me, Expires = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear(); // another instance inserted it first
            return false;
        }
    }

    /// <summary>Records how a run ended, if this instance still holds the lease.</summary>
    public Task RecordRunAsync(string job, string outcome, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var me = instance.Value;
        var text = outcome.Length > 2000 ? outcome[..2000] : outcome;
        return db.JobLeases.Where(l => l.Name == job && l.Holder == me)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.LastRun, now).SetProperty(l => l.LastOutcome, text), cancellationToken);
    }

    /// <summary>Whether <paramref name="job"/> has never run, or its last run ended at least <paramref name="interval"/> ago.</summary>
    public async Task<bool> IsDueAsync(string job, TimeSpan interval, CancellationToken cancellationToken)
    {
        var lastRun = await db.JobLeases.Where(l => l.Name == job).Select(l => l.LastRun).SingleOrDefaultAsync(cancellationToken);
        return lastRun is not { } last || clock.GetUtcNow() - last >= interval;
    }

    /// <summary>Lets another instance take the job at once (this one is stopping).</summary>
    public Task ReleaseAsync(string job, CancellationToken cancellationToken)
    {
        var past = clock.GetUtcNow() - TimeSpan.FromSeconds(1);
        var me = instance.Value;
        return db.JobLeases.Where(l => l.Name == job && l.Holder == me)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Expires, past), cancellationToken);
    }
}
