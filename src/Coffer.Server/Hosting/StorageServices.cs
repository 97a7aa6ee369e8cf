using Coffer.Core;
using Coffer.Core.Blobs;
using Coffer.Data;
using Coffer.Storage.S3;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

public enum StorageProvider
{
    Local,
    S3,
}

/// <summary>Where blobs live: <c>Coffer:Storage:Provider</c> (<c>Local</c> under the data directory, or <c>S3</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "Coffer:Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Local;
}

public enum BackupProvider
{
    None,
    Local,
    S3,
}

/// <summary>
/// The optional second store every blob is copied to: <c>Coffer:Backup:Provider</c> with
/// <c>Coffer:Backup:Directory</c> (Local) or <c>Coffer:Backup:S3:*</c> (the same keys as the primary S3 store).
/// </summary>
public sealed class BackupOptions
{
    public const string Section = "Coffer:Backup";

    public BackupProvider Provider { get; set; } = BackupProvider.None;

    public string? Directory { get; set; }
}

public static class StorageServices
{
    /// <summary>The primary blob store and, when configured, the backup store and its replicator.</summary>
    public static IServiceCollection AddCofferStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var storage = ConfigurationChoice.Read(configuration, StorageOptions.Section + ":Provider", StorageProvider.Local);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        if (storage == StorageProvider.S3)
            services.AddS3BlobStore(configuration.GetSection(S3StorageOptions.Section), S3StorageOptions.Section);
        else
            services.AddLocalBlobStore();

        var backup = ConfigurationChoice.Read(configuration, BackupOptions.Section + ":Provider", BackupProvider.None);
        services.AddOptions<BackupOptions>().Bind(configuration.GetSection(BackupOptions.Section))
            .Validate(o => o.Provider != BackupProvider.Local || !string.IsNullOrWhiteSpace(o.Directory),
                "Coffer:Backup:Provider is Local: set Coffer:Backup:Directory to the backup directory (another disk than the data).")
            .ValidateOnStart();
        switch (backup)
        {
            case BackupProvider.Local:
                services.AddSingleton(sp => new BackupStore(new LocalBlobStore(
                    Path.GetFullPath(sp.GetRequiredService<IOptions<BackupOptions>>().Value.Directory!),
                    sp.GetRequiredService<ILogger<LocalBlobStore>>())));
                break;
            case BackupProvider.S3:
                var section = BackupOptions.Section + ":S3";
                services.AddS3StoreOptions(configuration.GetSection(section), section, BackupOptions.Section);
                services.AddSingleton(sp => new BackupStore(S3BlobStore.Create(
                    sp.GetRequiredService<IOptionsMonitor<S3StorageOptions>>().Get(BackupOptions.Section), sp)));
                break;
        }
        if (backup != BackupProvider.None)
        {
            services.AddScoped<Replicator>();
            services.AddSingleton<ReplicationMetrics>();
        }
        return services;
    }
}
