using Coffer.Core.Accounts;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Core.Drive;
using Coffer.Core.Events;
using Coffer.Core.Jobs;
using Coffer.Core.Persistence;
using Coffer.Core.Shares;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coffer.Core;

public static class CoreServices
{
    /// <summary>The application services; a database (<c>CofferDb</c>) and an <see cref="IBlobStore"/> come from elsewhere.</summary>
    public static IServiceCollection AddCofferCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddSingleton<ServerKeys>();
        services.AddSingleton(sp => new DownloadLinks.SigningKey(sp.GetRequiredService<ServerKeys>()[ServerKeys.UrlSigning]));
        services.AddScoped<AccountService>();
        services.AddScoped<AccessTokenService>();
        services.AddScoped<ItemLookup>();
        services.AddScoped<ItemSearch>();
        services.AddScoped<DriveService>();
        services.AddScoped<TrashService>();
        services.AddScoped<DownloadLinks>();
        services.AddScoped<DirectTransfers>();
        services.AddScoped<Shares.GrantService>();
        services.AddScoped<BlobPipeline>();
        services.AddSingleton<IKeyVault>(sp => sp.GetRequiredService<KeyVaultHolder>().Vault);
        services.AddSingleton<KeyVaultHolder>();
        services.AddScoped<KeyCheck>();
        services.AddScoped<KeyMaintenance>();
        services.AddSingleton(InstanceName.Create());
        services.AddScoped<JobLeases>();
        services.AddScoped<Outbox>();
        services.AddScoped<Previews.Thumbnails>();
        services.AddScoped<ShareService>();
        services.AddScoped<Quotas.QuotaService>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<Lifecycle.LifecycleService>();
        return services;
    }

    /// <summary>Blobs as files under <c>{DataDir}/blobs</c>.</summary>
    /// <remarks><paramref name="coldDirectory"/> gives the directory of the COLD storage class (null: none).</remarks>
    public static IServiceCollection AddLocalBlobStore(this IServiceCollection services, Func<IServiceProvider, string?>? coldDirectory = null)
    {
        services.AddSingleton(sp => new LocalBlobStore(
            Path.Combine(sp.GetRequiredService<IOptions<DataDirOptions>>().Value.FullPath, "blobs"),
            coldDirectory?.Invoke(sp),
            sp.GetRequiredService<ILogger<LocalBlobStore>>()));
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<LocalBlobStore>());
        return services;
    }
}
