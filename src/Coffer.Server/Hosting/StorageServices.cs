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

/// <summary>
/// The local store's settings (<c>Coffer:Storage:Local</c>): <see cref="ColdDirectory"/> is where
/// lifecycle rules move blobs of class COLD, default <c>{DataDir}/blobs-cold</c>; point it at a
/// cheaper disk. Blobs there are read in place, never copied back first.
/// </summary>
public sealed class LocalStorageOptions
{
    public const string Section = "Coffer:Storage:Local";

    public string? ColdDirectory { get; set; }

    /// <summary>The cold directory, absolute.</summary>
    public string ColdPath(DataDirOptions dataDir) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(ColdDirectory) ? Path.Combine(dataDir.FullPath, "blobs-cold") : ColdDirectory);
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
        {
            services.AddOptions<LocalStorageOptions>().Bind(configuration.GetSection(LocalStorageOptions.Section));
            services.AddLocalBlobStore(sp => sp.GetRequiredService<IOptions<LocalStorageOptions>>().Value
                .ColdPath(sp.GetRequiredService<IOptions<DataDirOptions>>().Value));
        }

        var backup = ConfigurationChoice.Read(configuration, BackupOptions.Section + ":Provider", BackupProvider.None);
        services.AddOptions<BackupOptions>().Bind(configuration.GetSection(BackupOptions.Section))
            .Validate(o => o.Provider != BackupProvider.Local || !string.IsNullOrWhiteSpace(o.Directory),
                "Coffer:Backup:Provider is Local: set Coffer:Backup:Directory to the backup directory (another disk than the data).")
            .Validate<IOptions<DataDirOptions>, IOptions<StorageOptions>, IOptionsMonitor<S3StorageOptions>, IConfiguration>(
                (o, dataDir, primary, s3, config) => !OverlapsPrimary(o, dataDir.Value, primary.Value, s3, config),
                "Coffer:Backup points at the primary store (the same directory or bucket and prefix, or one inside the other): " +
                "a backup there would overwrite the files it should protect. Give it another directory, bucket or prefix.")
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

    /// <summary>Whether the backup would write where the primary store keeps its blobs.</summary>
    private static bool OverlapsPrimary(BackupOptions backup, DataDirOptions dataDir, StorageOptions primary, IOptionsMonitor<S3StorageOptions> s3, IConfiguration configuration)
    {
        if (backup.Provider == BackupProvider.Local && primary.Provider == StorageProvider.Local && !string.IsNullOrWhiteSpace(backup.Directory))
        {
            var cold = (configuration.GetSection(LocalStorageOptions.Section).Get<LocalStorageOptions>() ?? new()).ColdPath(dataDir);
            return Nested(Path.GetFullPath(backup.Directory), Path.Combine(dataDir.FullPath, "blobs"))
                || Nested(Path.GetFullPath(backup.Directory), cold);
        }
        if (backup.Provider == BackupProvider.S3 && primary.Provider == StorageProvider.S3)
        {
            var (a, b) = (s3.CurrentValue, s3.Get(BackupOptions.Section));
            return string.Equals(a.Bucket, b.Bucket, StringComparison.Ordinal)
                && string.Equals(a.ServiceUrl?.TrimEnd('/'), b.ServiceUrl?.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
                && (a.Prefix.StartsWith(b.Prefix, StringComparison.Ordinal) || b.Prefix.StartsWith(a.Prefix, StringComparison.Ordinal));
        }
        return false;
    }

    private static bool Nested(string one, string other)
    {
        var (a, b) = (one.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, other.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar);
        return a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal);
    }
}
