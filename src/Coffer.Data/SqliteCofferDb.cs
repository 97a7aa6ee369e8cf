using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Coffer.Data;

/// <summary>CofferDb on SQLite: the embedded default. Its migrations live in Migrations.Sqlite/.</summary>
public sealed class SqliteCofferDb(DbContextOptions<SqliteCofferDb> options) : CofferDb(options)
{
    /// <summary>
    /// Three characters or more: the "Search" migration's FTS5 trigram index drives the query,
    /// given the key as one quoted phrase (quotes doubled, so no FTS syntax survives), which
    /// matches it as a literal substring. Shorter keys make no trigram; they read the owner's
    /// names through the (OwnerId, Kind, SearchName) index with instr(), exact on folded text.
    /// </summary>
    public override IQueryable<Item> ItemsWhoseNameContains(string searchKey)
    {
        if (searchKey.EnumerateRunes().Count() < 3)
            return Items.Where(i => i.SearchName.Contains(searchKey));
        var phrase = "\"" + searchKey.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        // CROSS JOIN fixes the join order in SQLite: the index finds the matches, each is then read
        // by rowid and filtered by owner. Left to itself, the planner prefers walking all of the
        // owner's rows through the (OwnerId, ...) index and testing each against the match list.
        return Items.FromSql($"""
            SELECT "Items".* FROM "ItemSearch" CROSS JOIN "Items" ON "Items".rowid = "ItemSearch".rowid
            WHERE "ItemSearch" MATCH {phrase}
            """);
    }

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
