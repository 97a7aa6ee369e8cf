using Coffer.Core;
using Coffer.Core.Crypto;
using Coffer.Data;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

/// <summary>
/// <c>Coffer.Server keys list|rotate|rewrap|retire ID|seal-plaintext</c>: key maintenance run
/// from the command line against the configured database, store and keys (the same settings as
/// the server). Every step is resumable: run it again after an interruption.
/// </summary>
public static class KeyCommands
{
    public const string Usage = """
        Usage: Coffer.Server keys <command>
          list             the encryption keys, which one is active, and how many files each protects
          rotate           create a new key (key files only), make it active, and re-wrap every data key with it
          rewrap           re-wrap data keys that are not under the active key (after changing ActiveKeyId, or to resume a rotation)
          retire ID        take a key out of use once no file needs it (key files: moved to retired/)
          seal-plaintext   encrypt files stored while encryption was off
        """;

    public static bool IsKeyCommand(string[] args) => args.Length > 0 && args[0] == "keys";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var output = Console.Out;
        var cancellationToken = app.Lifetime.ApplicationStopping;
        try
        {
            var options = app.Services.GetRequiredService<IOptions<EncryptionOptions>>().Value;
            var dataDir = app.Services.GetRequiredService<IOptions<DataDirOptions>>().Value.FullPath;
            if (!app.Services.GetRequiredService<DataDirLock>().TryAcquire())
                throw new StartupException($"A Coffer server is running on {dataDir}: stop it first (it keeps the keys it loaded), then start it again afterwards.");
            await StartupTasks.PrepareDatabaseAsync(app.Services, serving: false, cancellationToken);
            var command = args.Length > 1 ? args[1] : "";
            if (command == "rotate")
            {
                if (options.KeyProvider != KeySource.File)
                    throw new StartupException("keys rotate creates key files; with KeyProvider=Environment add Coffer__Encryption__Keys__{newId}, " +
                        "set Coffer__Encryption__ActiveKeyId to it, and run `keys rewrap`.");
                if (options.ActiveKeyId is not null)
                    throw new StartupException("Coffer:Encryption:ActiveKeyId pins the active key; remove it (the newest key file is then active) or change it and run `keys rewrap`.");
                var created = KeyRing.CreateKeyFile(options.KeyDirectoryFor(dataDir), TimeProvider.System);
                if (app.Services.GetRequiredService<IKeyVault>().ActiveKeyId != created)
                    throw new StartupException($"Created key {created}, but another key file's name sorts after it and stays active; " +
                        $"set Coffer:Encryption:ActiveKeyId={created} and run `keys rewrap`.");
                await output.WriteLineAsync($"Created key {created} in {options.KeyDirectoryFor(dataDir)}: it is now the active key. Back it up.");
                command = "rewrap";
            }

            await using var scope = app.Services.CreateAsyncScope();
            var maintenance = scope.ServiceProvider.GetRequiredService<KeyMaintenance>();
            var vault = scope.ServiceProvider.GetRequiredService<IKeyVault>();
            switch (command)
            {
                case "list":
                    var usage = await maintenance.UsageAsync(cancellationToken);
                    foreach (var id in vault.KeyIds.Order(StringComparer.Ordinal))
                        await output.WriteLineAsync($"{id}{(id == vault.ActiveKeyId ? "  (active)" : "")}  {usage.GetValueOrDefault(id)} file(s)");
                    foreach (var missing in usage.Keys.Where(id => id.Length > 0 && !vault.KeyIds.Contains(id)))
                        await output.WriteLineAsync($"{missing}  MISSING  {usage[missing]} file(s) cannot be read");
                    await output.WriteLineAsync($"plaintext  {usage.GetValueOrDefault("")} file(s)");
                    return 0;
                case "rewrap":
                    await scope.ServiceProvider.GetRequiredService<KeyCheck>().RunAsync(cancellationToken);
                    var rewrapped = await maintenance.RewrapAsync(cancellationToken);
                    await output.WriteLineAsync($"Re-wrapped {rewrapped.Done} data key(s) with {vault.ActiveKeyId}. Keys no file needs any more can be retired with `keys retire ID`.");
                    return await ReportSkippedAsync(rewrapped);
                case "retire" when args.Length > 2:
                    return await RetireAsync(args[2], options, dataDir, vault, maintenance, cancellationToken);
                case "seal-plaintext":
                    if (!options.Enabled)
                        throw new StartupException("Encryption is off (Coffer:Encryption:Enabled=false): turn it on first.");
                    var sealedResult = await maintenance.SealPlaintextAsync(cancellationToken);
                    await output.WriteLineAsync($"Encrypted {sealedResult.Done} file(s) that were stored in plaintext.");
                    return await ReportSkippedAsync(sealedResult);
                default:
                    await Console.Error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        catch (Exception ex) when (ex is StartupException or OptionsValidationException or MissingKeyException)
        {
            await Console.Error.WriteLineAsync($"coffer keys: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> ReportSkippedAsync(MaintenanceResult result)
    {
        if (result.Failed == 0)
            return 0;
        await Console.Error.WriteLineAsync($"{result.Failed} file(s) were skipped; the log above says which and why. Run the command again once they are dealt with.");
        return 3;
    }

    private static async Task<int> RetireAsync(
        string keyId, EncryptionOptions options, string dataDir, IKeyVault vault, KeyMaintenance maintenance, CancellationToken cancellationToken)
    {
        if (keyId == vault.ActiveKeyId)
            throw new StartupException($"{keyId} is the active key; rotate to a new one first.");
        var users = (await maintenance.UsageAsync(cancellationToken)).GetValueOrDefault(keyId);
        if (users > 0)
            throw new StartupException($"{keyId} still protects {users} file(s); run `keys rewrap` first.");
        var secrets = (await maintenance.SecretsUsageAsync(cancellationToken)).GetValueOrDefault(keyId);
        if (secrets > 0)
            throw new StartupException($"{keyId} still wraps {secrets} of the server's link-signing and session keys; run `keys rewrap` first.");
        if (options.KeyProvider == KeySource.Environment)
        {
            await Console.Out.WriteLineAsync($"No file needs {keyId} any more: remove Coffer__Encryption__Keys__{keyId} from the environment.");
            return 0;
        }
        var directory = options.KeyDirectoryFor(dataDir);
        var path = KeyRing.PathOf(directory, keyId);
        if (!File.Exists(path))
            throw new StartupException($"There is no key file {path}.");
        var retired = Path.Combine(directory, "retired");
        KeyFile.CreateOwnerOnlyDirectory(retired);
        File.Move(path, KeyRing.PathOf(retired, keyId));
        await Console.Out.WriteLineAsync($"Retired {keyId}: moved to {retired}. Delete it there once your backups no longer need it.");
        return 0;
    }
}
