using Coffer.Core;
using Coffer.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Coffer.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Which database holds the metadata (<c>Coffer:Database</c>, plus <c>ConnectionStrings:Coffer</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Coffer:Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
}

public static class DatabaseServices
{
    public const string ConnectionStringName = "Coffer";

    public static IServiceCollection AddCofferDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .Validate(o => o.Provider == DatabaseProvider.Sqlite,
                "Coffer:Database:Provider: only 'Sqlite' is available in this version ('Postgres' is planned).")
            .ValidateOnStart();

        services.AddDbContext<CofferDb, SqliteCofferDb>((sp, options) =>
        {
            var dataDir = sp.GetRequiredService<IOptions<DataDirOptions>>().Value.FullPath;
            var connectionString = configuration.GetConnectionString(ConnectionStringName)
                ?? new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "coffer.db"), Pooling = true }.ToString();
            options.UseSqlite(connectionString);
        });
        return services;
    }

    /// <summary>Brings the schema up to date; run once at start-up before serving.</summary>
    public static async Task MigrateCofferDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // Write-ahead logging lets readers go on while an upload commits; it is a property of the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
