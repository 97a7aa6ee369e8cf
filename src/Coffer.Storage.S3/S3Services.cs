using Coffer.Core.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Coffer.Storage.S3;

public static class S3Services
{
    /// <summary>
    /// The S3 store as the blob store: <see cref="S3StorageOptions"/> bound from <paramref name="sectionPath"/>
    /// and validated at start-up, one <see cref="S3BlobStore"/> serving as <see cref="IBlobStore"/>,
    /// <see cref="IDirectTransferStore"/> and <see cref="IMultipartSweeper"/>. <paramref name="configuration"/>
    /// is the root configuration or that section itself.
    /// </summary>
    public static IServiceCollection AddS3BlobStore(
        this IServiceCollection services, IConfiguration configuration, string sectionPath = S3StorageOptions.Section)
    {
        services.AddS3StoreOptions(configuration, sectionPath, Options.DefaultName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => S3BlobStore.Create(sp.GetRequiredService<IOptions<S3StorageOptions>>().Value, sp));
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<S3BlobStore>());
        services.AddSingleton<IDirectTransferStore>(sp => sp.GetRequiredService<S3BlobStore>());
        services.AddSingleton<IMultipartSweeper>(sp => sp.GetRequiredService<S3BlobStore>());
        return services;
    }

    /// <summary>
    /// Binds and validates (at start-up) <see cref="S3StorageOptions"/> named <paramref name="optionsName"/> from
    /// <paramref name="sectionPath"/>, for a store built by hand (a backup bucket): read them with
    /// <c>IOptionsMonitor&lt;S3StorageOptions&gt;.Get(optionsName)</c>. Messages name keys under <paramref name="sectionPath"/>.
    /// </summary>
    public static IServiceCollection AddS3StoreOptions(
        this IServiceCollection services, IConfiguration configuration, string sectionPath, string optionsName)
    {
        var section = configuration is IConfigurationSection own && own.Path == sectionPath ? own : configuration.GetSection(sectionPath);
        services.AddOptions<S3StorageOptions>(optionsName).Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<S3StorageOptions>>(new S3StorageOptionsValidator(sectionPath, optionsName));
        return services;
    }
}
