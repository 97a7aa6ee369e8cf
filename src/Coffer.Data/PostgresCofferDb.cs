using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage;

namespace Coffer.Data;

/// <summary>CofferDb on PostgreSQL, for many instances sharing one database. Its migrations live in Migrations.Postgres/.</summary>
public sealed class PostgresCofferDb(DbContextOptions<PostgresCofferDb> options) : CofferDb(options)
{
    /// <summary>The advisory lock every write transaction takes (an arbitrary constant: "Coffer" in ASCII).</summary>
    internal const long WriteLockKey = 0x436F66666572;

    /// <summary>
    /// PostgreSQL has no "lock the database for writing" transaction mode, so the write
    /// transaction takes one transaction-scoped advisory lock first: writers from every instance
    /// then run one at a time, exactly as on SQLite, and the lock goes with the commit or rollback.
    /// </summary>
    public override async Task<IDbContextTransaction> BeginWriteAsync(CancellationToken cancellationToken)
    {
        // Read committed whatever the server's default: each statement then sees what writers before this one committed.
        var transaction = await Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        try
        {
            await Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({WriteLockKey})", cancellationToken);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // Names compare and sort byte-wise, as listing cursors expect, whatever the database's default collation.
        modelBuilder.Entity<Item>().Property(i => i.Name).UseCollation("C");
        // Search: the folded names sort byte-wise too, and a GIN trigram index answers LIKE '%x%'
        // on them (pg_trgm is a trusted extension since PostgreSQL 13: the database owner may create it).
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.Entity<Item>().Property(i => i.SearchName).UseCollation("C");
        modelBuilder.Entity<Item>().HasIndex(i => i.SearchName, "IX_Items_SearchName_Trigram")
            .HasMethod("gin").HasOperators("gin_trgm_ops");
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the PostgreSQL model without a server.</summary>
internal sealed class PostgresCofferDbDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCofferDb>
{
    public PostgresCofferDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCofferDb>().UseNpgsql("Host=localhost;Database=coffer_design_time").Options);
}
