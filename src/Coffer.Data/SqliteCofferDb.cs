using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Coffer.Data;

/// <summary>CofferDb on SQLite: the embedded default. Its migrations live in Migrations.Sqlite/.</summary>
public sealed class SqliteCofferDb(DbContextOptions<SqliteCofferDb> options) : CofferDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite stores DateTimeOffset as text it cannot compare or sort; Unix milliseconds can be.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUnixMillisecondsConverter>();
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the SQLite model without starting the server.</summary>
internal sealed class SqliteCofferDbDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCofferDb>
{
    public SqliteCofferDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCofferDb>().UseSqlite("Data Source=design-time.db").Options);
}
