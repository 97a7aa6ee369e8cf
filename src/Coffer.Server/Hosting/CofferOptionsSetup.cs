using Coffer.Core;
using Coffer.Core.Crypto;
using Coffer.Core.Drive;
using Coffer.Core.Quotas;
using Coffer.Core.Shares;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

public static class CofferOptionsSetup
{
    /// <summary>Binds every options class and validates it at start-up, naming the key that is wrong.</summary>
    public static IServiceCollection AddCofferOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DataDirOptions>().Bind(configuration.GetSection(DataDirOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataDirOptions>, DataDirValidator>();

        services.AddOptions<AccountOptions>().Bind(configuration.GetSection(AccountOptions.Section)).ValidateOnStart();

        services.AddOptions<QuotaOptions>().Bind(configuration.GetSection(QuotaOptions.Section))
            .Validate(o => o.DefaultBytes >= 0, "Coffer:Quota:DefaultBytes must be 0 (no quota) or a positive number of bytes.")
            .ValidateOnStart();

        services.AddOptions<EncryptionOptions>().Bind(configuration.GetSection(EncryptionOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.KeyProvider == KeySource.File || o.KeyDirectory is null,
                "Coffer:Encryption:KeyDirectory applies to KeyProvider=File only.")
            .Validate(o => !SharedDatabase(configuration) || !o.Enabled || o.KeyProvider != KeySource.File || o.KeyDirectory is not null,
                "Coffer:Database:Provider is Postgres, so instances may share the data and must share the encryption keys: set " +
                "Coffer:Encryption:KeyProvider=Environment with the same Coffer__Encryption__Keys__{id} on every instance, or " +
                "Coffer:Encryption:KeyDirectory to a directory every instance reads (a key made in one data directory would be unknown to the others).")
            .ValidateOnStart();

        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.Section))
            .Validate(o => o.MaxUploadBytes >= 0, "Coffer:Limits:MaxUploadBytes must be 0 (no limit) or a positive number of bytes.")
            .ValidateOnStart();

        services.AddOptions<VersionOptions>().Bind(configuration.GetSection(VersionOptions.Section))
            .Validate(o => o.KeepLast >= 0, "Coffer:Versions:KeepLast must be 0 (no count limit) or the number of versions to keep per file.")
            .Validate(o => o.KeepDays is >= 0 and <= 36_500, "Coffer:Versions:KeepDays must be between 0 (no age limit) and 36500 days.")
            .ValidateOnStart();
        services.AddOptions<TrashOptions>().Bind(configuration.GetSection(TrashOptions.Section))
            .Validate(o => o.RetentionDays is >= 0 and <= 36_500, "Coffer:Trash:RetentionDays must be between 0 (never purge automatically) and 36500 days.")
            .ValidateOnStart();

        services.AddOptions<ShareOptions>().Bind(configuration.GetSection(ShareOptions.Section))
            .Validate(o => o.MaxExpiryDays is >= 1 and <= 36_500, "Coffer:Shares:MaxExpiryDays must be between 1 and 36500 days.")
            .ValidateOnStart();
        return services;
    }

    /// <summary>A database other instances may use too (so per-instance key files would not do).</summary>
    private static bool SharedDatabase(IConfiguration configuration) =>
        string.Equals(configuration["Coffer:Database:Provider"], "Postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The data directory must exist (it is created, owner-only) and be writable.</summary>
    private sealed class DataDirValidator : IValidateOptions<DataDirOptions>
    {
        public ValidateOptionsResult Validate(string? name, DataDirOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.DataDir))
                return ValidateOptionsResult.Fail("Coffer:DataDir must name a directory.");
            try
            {
                var path = options.FullPath;
                if (OperatingSystem.IsWindows())
                    Directory.CreateDirectory(path);
                else
                    Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var probe = Path.Combine(path, ".write-test");
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
                return ValidateOptionsResult.Success;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return ValidateOptionsResult.Fail($"Coffer:DataDir '{options.DataDir}' cannot be created or written: {ex.Message}");
            }
        }
    }
}
