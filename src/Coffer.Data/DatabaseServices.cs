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

    /// <summary>The session-level advisory lock start-up holds while it migrates (distinct from the write lock).</summary>
    private const long MigrationLockKey = PostgresCofferDb.WriteLockKey + 1;

    public static IServiceCollection AddCofferDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = ConfigurationChoice.Read(configuration, DatabaseOptions.Section + ":Provider", DatabaseProvider.Sqlite);
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .Validate(o => o.Provider != DatabaseProvider.Postgres || !string.IsNullOrWhiteSpace(connectionString),
                "Coffer:Database:Provider is Postgres: set ConnectionStrings:Coffer (environment: ConnectionStrings__Coffer) " +
                "to the Npgsql connection string, e.g. 'Host=db;Database=coffer;Username=coffer;Password=...'.")
            .ValidateOnStart();

        if (provider == DatabaseProvider.Postgres)
        {
            services.AddDbContext<CofferDb, PostgresCofferDb>(options => options.UseNpgsql(connectionString ?? ""));
        }
        else
        {
            services.AddDbContext<CofferDb, SqliteCofferDb>((sp, options) =>
            {
                var dataDir = sp.GetRequiredService<IOptions<DataDirOptions>>().Value.FullPath;
                options.UseSqlite(connectionString
                    ?? new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "coffer.db"), Pooling = true }.ToString());
            });
        }
        return services;
    }

    /// <summary>
    /// Brings the schema up to date, then runs <paramref name="afterMigration"/> (first-run seeding)
    /// while still holding the lock: on PostgreSQL a session advisory lock, so instances starting
    /// together migrate and seed one after another instead of racing; SQLite's file is one process's.
    /// </summary>
    public static async Task MigrateCofferDatabaseAsync(
        this IServiceProvider services, Func<CofferDb, Task> afterMigration, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        if (db is PostgresCofferDb)
        {
            await db.Database.OpenConnectionAsync(cancellationToken); // one connection: the lock, the migration and the seeding share it
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
                await afterMigration(db);
            }
            finally
            {
                await ReleaseMigrationLockAsync(db);
            }
            return;
        }

        await db.Database.MigrateAsync(cancellationToken);
        // Write-ahead logging lets readers go on while an upload commits; it is a property of the file.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        await afterMigration(db);
    }

    /// <summary>Pooled connections outlive Close, so the lock is released explicitly; a broken connection has released it already.</summary>
    private static async Task ReleaseMigrationLockAsync(CofferDb db)
    {
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
        catch (Npgsql.NpgsqlException)
        {
            // The session is gone, and the lock with it; the error that broke it is what the caller sees.
        }
        await db.Database.CloseConnectionAsync();
    }
}
