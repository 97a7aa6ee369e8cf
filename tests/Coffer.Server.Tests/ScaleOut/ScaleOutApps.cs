using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.ScaleOut;

/// <summary>Instances on PostgreSQL + S3 that share one database, one bucket prefix and one encryption key, as behind a load balancer.</summary>
internal static class ScaleOutApps
{
    private static readonly string SharedKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The first instance: a fresh database and prefix, keys from the environment as every instance of a cluster needs.</summary>
    public static CofferApp First(params (string Key, string? Value)[] settings) =>
        new(StackKind.ScaleOut, null, [.. KeySettings, .. settings]);

    /// <summary>Another instance (its own data directory) on <paramref name="first"/>'s database, bucket prefix and key.</summary>
    public static CofferApp Another(CofferApp first, params (string Key, string? Value)[] settings) =>
        new(StackKind.ScaleOut, null,
        [
            .. KeySettings,
            ("ConnectionStrings:Coffer", first.Setting("ConnectionStrings:Coffer")),
            ("Coffer:Storage:S3:Prefix", first.Setting("Coffer:Storage:S3:Prefix")),
            .. settings,
        ]);

    private static (string Key, string? Value)[] KeySettings =>
    [
        ("Coffer:Encryption:KeyProvider", "Environment"),
        ("Coffer:Encryption:Keys:cluster-1", SharedKey),
    ];
}
