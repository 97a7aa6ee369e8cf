using Coffer.Core.Jobs;

namespace Coffer.Server.Jobs;

/// <summary>
/// A background job that runs every <see cref="Interval"/> on whichever instance holds its lease
/// (<see cref="JobLeases"/>), so it runs once however many instances run and survives the loss
/// of any of them. A run that takes long renews the lease through the callback it is given.
/// Registered after <c>StartupTasks</c>, so the schema is ready before the first run.
/// </summary>
internal abstract partial class LeasedJob(IServiceProvider services, TimeProvider clock, ILogger logger) : BackgroundService
{
    protected IServiceProvider Services { get; } = services;

    protected TimeProvider Clock { get; } = clock;

    /// <summary>The lease's name, also the job's name in logs.</summary>
    protected abstract string Name { get; }

    protected abstract TimeSpan Interval { get; }

    /// <summary>False when configuration switches the job off; it then never runs.</summary>
    protected virtual bool Enabled => true;

    /// <summary>
    /// True for long, periodic work (a scrub, lifecycle rules): a run happens only when the last
    /// one, by whichever instance, ended at least <see cref="Interval"/> ago, so restarts and
    /// rolling deploys do not repeat it. False (the default) also runs at each start, which jobs
    /// that pick up after a configuration change (sealing existing files) need.
    /// </summary>
    protected virtual bool RunsOnlyWhenDue => false;

    /// <summary>How often a job that runs only when due looks whether it is.</summary>
    private static readonly TimeSpan DuePoll = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Long enough that a healthy holder renews in time (between runs, and between the items of a
    /// long run, however big one item is); short enough that another instance takes over soon after a crash.
    /// </summary>
    private TimeSpan LeaseDuration => Interval * 2 + TimeSpan.FromMinutes(15);

    /// <summary>One run; returns what it did, in a sentence, for the log and the lease's record.</summary>
    protected abstract Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken);

    /// <summary>Whether this instance runs the job; settled at start (configuration does not change while running).</summary>
    private bool _running;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _running = Enabled;
        if (!_running)
            return;
        using var timer = new PeriodicTimer(RunsOnlyWhenDue && Interval > DuePoll ? DuePoll : Interval, Clock);
        do
        {
            await TryRunAsync(stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_running)
            return;
        try
        {
            await using var scope = Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<JobLeases>().ReleaseAsync(Name, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // the host is being disposed without a graceful stop (as test hosts are): the lease simply expires
        }
#pragma warning disable CA1031 // stopping: a lease not released simply expires
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogNotReleased(logger, Name, ex);
        }
    }

    private async Task TryRunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = Services.CreateAsyncScope();
            var leases = scope.ServiceProvider.GetRequiredService<JobLeases>();
            if (RunsOnlyWhenDue && !await leases.IsDueAsync(Name, Interval, stoppingToken))
                return;
            if (!await leases.TryTakeAsync(Name, LeaseDuration, stoppingToken))
                return;
            var outcome = await RunOnceAsync(scope.ServiceProvider, () => RenewAsync(leases, stoppingToken), stoppingToken);
            LogRan(logger, Name, outcome);
            await leases.RecordRunAsync(Name, outcome, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: the next holder carries on
        }
        catch (LeaseLostException)
        {
            LogLeaseLost(logger, Name); // another instance holds it now and carries on
        }
#pragma warning disable CA1031 // a background job must not take the server down; it says what went wrong and tries again
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(logger, Name, ex);
            await RecordFailureAsync(ex, stoppingToken);
        }
    }

    /// <summary>Extends the lease mid-run; if another instance took it meanwhile, this run stops at once.</summary>
    private async Task RenewAsync(JobLeases leases, CancellationToken stoppingToken)
    {
        if (!await leases.TryTakeAsync(Name, LeaseDuration, stoppingToken))
            throw new LeaseLostException();
    }

    private sealed class LeaseLostException : Exception;

    private async Task RecordFailureAsync(Exception failure, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<JobLeases>().RecordRunAsync(Name, "failed: " + failure.Message, stoppingToken);
        }
#pragma warning disable CA1031 // the database may be what failed; the log above has it
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {Job}: {Outcome}")]
    private static partial void LogRan(ILogger logger, string job, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job} failed; it runs again at its next turn")]
    private static partial void LogFailed(ILogger logger, string job, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: another instance took over its lease; this run stopped")]
    private static partial void LogLeaseLost(ILogger logger, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: its lease could not be released; it expires on its own")]
    private static partial void LogNotReleased(ILogger logger, string job, Exception exception);
}
