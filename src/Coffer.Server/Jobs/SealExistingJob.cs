using Coffer.Core.Crypto;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Jobs;

/// <summary>
/// With <c>Coffer:Encryption:SealExisting=true</c>, encrypts in the background the files stored
/// while encryption was off (what <c>keys seal-plaintext</c> does by hand): after start-up, then
/// hourly for files an instance with encryption off may have written meanwhile. Resumable: an
/// interrupted run continues at the next.
/// </summary>
internal sealed class SealExistingJob(IServiceProvider services, IOptions<EncryptionOptions> options, TimeProvider clock, ILogger<SealExistingJob> logger)
    : LeasedJob(services, clock, logger)
{
    protected override string Name => "seal-existing";

    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override bool Enabled => options.Value.Enabled && options.Value.SealExisting;

    protected override async Task<string> RunOnceAsync(IServiceProvider scoped, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        var result = await scoped.GetRequiredService<KeyMaintenance>().SealPlaintextAsync(cancellationToken);
        return $"encrypted {result.Done} file(s) stored while encryption was off; {result.Failed} skipped (logged)";
    }
}
