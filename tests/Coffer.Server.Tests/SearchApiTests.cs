using System.Net;
using System.Net.Http.Json;
using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests;

/// <summary>GET /api/v1/search: what it finds, what it never finds, and that it stays an indexed query at 100,000 items.</summary>
public sealed class SearchApiTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Search_Substring_FindsFoldersThenFilesWithTheirPaths()
    {
        var user = await _app.NewUserAsync();
        var projects = await user.CreateFolderAsync("Projects");
        var reports = await user.CreateFolderAsync("Reports 2024", projects.Id);
        await user.UploadAsync("annual-report.pdf", "x", reports.Id);
        await user.UploadAsync("REPORTING.md", "x");
        await user.UploadAsync("unrelated.txt", "x", reports.Id);

        var found = await SearchAsync(user, "report");

        Assert.Equal(
            ["/Projects/Reports 2024", "/Projects/Reports 2024/annual-report.pdf", "/REPORTING.md"],
            found.Items.Select(i => i.Path));
        Assert.Equal(["folder", "file", "file"], found.Items.Select(i => i.Kind));
        Assert.Equal(reports.Id, found.Items[1].ParentId);
        Assert.Null(found.NextCursor);
    }

    [Theory]
    [InlineData("ärger.txt", "ÄRGER")]
    [InlineData("ÄRGER.txt", "ärg")]
    [InlineData("Straße.md", "straße")]
    [InlineData("Straße.md", "STRASSE")]
    [InlineData("STRASSE.md", "straße")]
    [InlineData("Доклад о работе.docx", "ДОКЛАД О")]
    [InlineData("ΟΔΟΣ.txt", "οδος")] // final sigma folds with capital and medial sigma
    [InlineData("Café.txt", "CAFE\u0301")] // composed name, decomposed query
    [InlineData("Cafe\u0301 noir.txt", "café n")] // decomposed name (stored as NFC), composed query
    [InlineData("ä.txt", "Ä")] // one character: below a trigram
    [InlineData("日本語のメモ.txt", "のメ")]
    [InlineData("日本語のメモ.txt", "本語のメ")]
    public async Task Search_IgnoresCaseAndUnicodeForm(string name, string query)
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync(name, "x");
        await user.UploadAsync("something else.txt", "x");

        var found = await SearchAsync(user, query);

        Assert.Equal([name.Normalize()], found.Items.Select(i => i.Name));
    }

    [Fact]
    public async Task Search_Diacritics_AreNotIgnored()
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync("ärger.txt", "x");

        Assert.Empty((await SearchAsync(user, "arger")).Items);
    }

    [Theory]
    [InlineData("%", new[] { "100% done.txt" })]
    [InlineData("0%", new[] { "100% done.txt" })]
    [InlineData("100%", new[] { "100% done.txt" })]
    [InlineData("_", new[] { "a_b.txt" })]
    [InlineData("a_b", new[] { "a_b.txt" })]
    [InlineData("*", new[] { "star*.txt" })]
    [InlineData("star*", new[] { "star*.txt" })]
    [InlineData("\"", new[] { "say \"hi\".txt" })]
    [InlineData("\"hi\"", new[] { "say \"hi\".txt" })]
    [InlineData("hi\" OR \"a", new string[0])]
    [InlineData("'", new[] { "it's.txt" })]
    [InlineData("it's", new[] { "it's.txt" })]
    [InlineData("[ab]", new[] { "[ab].txt" })]
    [InlineData("NEAR(x y)", new string[0])]
    [InlineData("a OR b", new string[0])]
    [InlineData("x^y", new string[0])]
    [InlineData("-", new string[0])]
    public async Task Search_SpecialCharacters_AreLiteral(string query, string[] expected)
    {
        var user = await _app.NewUserAsync();
        foreach (var name in new[] { "100% done.txt", "100 percent.txt", "a_b.txt", "axb.txt", "star*.txt", "starx.txt", "say \"hi\".txt", "say hi.txt", "it's.txt", "its.txt", "[ab].txt", "a.txt", "b.txt" })
            await user.UploadAsync(name, "x");

        var found = await SearchAsync(user, query);

        Assert.Equal(expected.Order(StringComparer.Ordinal), found.Items.Select(i => i.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Search_AnotherUsersItems_NeverAppear()
    {
        var alice = await _app.NewUserAsync();
        var bob = await _app.NewUserAsync();
        var shared = await bob.CreateFolderAsync("secret plans");
        await bob.UploadAsync("secret.txt", "x", shared.Id);
        await bob.UploadAsync("se.txt", "x");
        await alice.UploadAsync("my secret diary.txt", "x");

        Assert.Equal(["my secret diary.txt"], (await SearchAsync(alice, "secret")).Items.Select(i => i.Name));
        Assert.Equal(["my secret diary.txt"], (await SearchAsync(alice, "se")).Items.Select(i => i.Name));
        Assert.Equal(2, (await SearchAsync(bob, "secret")).Items.Count);
    }

    [Fact]
    public async Task Search_Paging_VisitsEveryMatchOnceInOrder()
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("page folder");
        foreach (var name in new[] { "Page-3.txt", "page-1.txt", "PAGE-2.txt", "page-5.txt", "page-4.txt", "page-6.txt" })
            await user.UploadAsync(name, "x", folder.Id);
        await user.UploadAsync("page-1.txt", "x"); // the same name in another folder

        var seen = new List<ItemDto>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await SearchAsync(user, "PAGE", $"&limit=3{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            Assert.InRange(page.Items.Count, 1, 3);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(8, seen.Select(i => i.Id).Distinct().Count());
        Assert.Equal("folder", seen[0].Kind);
        var files = seen.Skip(1).Select(i => i.Name.ToLowerInvariant()).ToList();
        Assert.Equal(files.Order(StringComparer.Ordinal), files);
        Assert.Equal(2, seen.Count(i => i.Name == "page-1.txt"));
    }

    [Theory]
    [InlineData("", "q")]
    [InlineData("?q=", "q")]
    [InlineData("?q=%20%20", "q")]
    [InlineData("?q=abc&limit=0", "limit")]
    [InlineData("?q=abc&limit=201", "limit")]
    [InlineData("?q=abc&cursor=not-a-cursor", "cursor")]
    [InlineData("?q=abc&cursor=YWJj", "cursor")]
    public async Task Search_BadInput_Is400(string query, string field)
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync($"/api/v1/search{query}", Cancel);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("%00")]
    [InlineData("a%00b")]
    [InlineData("%1B")]
    [InlineData("%7F")]
    public async Task Search_ControlCharacterInQuery_Is400(string query)
    {
        // No name holds one, so nothing could match; PostgreSQL would refuse a NUL parameter outright.
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync($"/api/v1/search?q={query}", Cancel);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "q");
    }

    [Fact]
    public async Task Search_CursorWhoseNameHoldsANul_Is400()
    {
        var user = await _app.NewUserAsync();
        var cursor = System.Buffers.Text.Base64Url.EncodeToString(
            System.Text.Encoding.UTF8.GetBytes($"1:{Guid.NewGuid():N}:a\0b"));

        var response = await user.Client.GetAsync($"/api/v1/search?q=abc&cursor={cursor}", Cancel);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "cursor");
    }

    [Fact]
    public async Task Search_TooLongQuery_Is400()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync($"/api/v1/search?q={new string('a', 256)}", Cancel);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "q");
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync($"/api/v1/search?q={new string('a', 255)}", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Search_WithoutCredentials_Is401()
    {
        using var anonymous = _app.CreateStreamingClient();

        var response = await anonymous.GetAsync("/api/v1/search?q=abc", Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Search_FollowsRenamesMovesAndDeletes()
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("Archive");
        var file = await user.UploadAsync("old-name.txt", "x");
        var doomed = await user.CreateFolderAsync("doomed");
        await user.UploadAsync("doomed child.txt", "x", doomed.Id);

        var renamed = await user.Client.PatchAsJsonAsync($"/api/v1/items/{file.Id}", new { name = "Neue Übersicht.txt", parentId = folder.Id }, Cancel);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/items/{doomed.Id}", Cancel)).StatusCode);

        Assert.Empty((await SearchAsync(user, "old-name")).Items);
        Assert.Equal(["/Archive/Neue Übersicht.txt"], (await SearchAsync(user, "ÜBERSICHT")).Items.Select(i => i.Path));
        Assert.Empty((await SearchAsync(user, "doomed")).Items);
        await AssertIndexIntactAsync();
    }

    [Fact]
    public async Task Backfill_GivesItemsFromBeforeTheMigrationTheirSearchKey()
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync("Größe.txt", "x");
        await user.CreateFolderAsync("ΦΑΚΕΛΟΣ");
        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        // As the migration leaves existing rows: an empty key.
        await db.Database.ExecuteSqlRawAsync("""UPDATE "Items" SET "SearchName" = '' """, Cancel);
        Assert.Empty((await SearchAsync(user, "größe")).Items);

        var updated = await SearchNameBackfill.RunAsync(db, Cancel);

        Assert.Equal(2, updated); // the root keeps its empty name
        Assert.Single((await SearchAsync(user, "GRÖSSE")).Items);
        Assert.Single((await SearchAsync(user, "φάκελος".Replace("ά", "α", StringComparison.Ordinal))).Items);
        Assert.Equal(0, await SearchNameBackfill.RunAsync(db, Cancel));
        await AssertIndexIntactAsync();
    }

    /// <summary>
    /// A database from before the "Search" migration (migrated back down to it, with items in it)
    /// migrates up, and the next start gives the old items their keys: they are found.
    /// </summary>
    [Fact]
    public async Task ItemsFromBeforeTheSearchMigration_AreFoundAfterUpgradeAndRestart()
    {
        var dataDir = Directory.CreateTempSubdirectory("coffer-search-upgrade-").FullName;
        try
        {
            string token;
            using (var first = new CofferApp(dataDir))
            {
                var user = await first.NewUserAsync();
                token = user.Token;
                using var scope = first.Services.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
                var migrator = db.GetInfrastructure().GetRequiredService<IMigrator>();
                var migrations = db.Database.GetMigrations().ToList();
                var search = migrations.FindIndex(m => m.EndsWith("_Search", StringComparison.Ordinal));
                Assert.True(search > 0);
                var folder = await user.CreateFolderAsync("ΦΑΚΕΛΟΣ");
                await user.UploadAsync("Ärger über Straße.txt", "x", folder.Id);
                // Back to the schema before search (the keys go with the column), then up again: the
                // rows are as an earlier version leaves them to this migration.
                await migrator.MigrateAsync(migrations[search - 1], Cancel);
                await migrator.MigrateAsync(cancellationToken: Cancel);
                Assert.Equal(0, await db.Items.CountAsync(i => i.SearchName != "", Cancel));
            }

            using var second = new CofferApp(dataDir);
            using var client = second.CreateStreamingClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var found = await client.GetFromJsonAsync<ItemListDto>($"/api/v1/search?q={Uri.EscapeDataString("STRASSE")}", Cancel);
            Assert.Equal(["/ΦΑΚΕΛΟΣ/Ärger über Straße.txt"], found!.Items.Select(i => i.Path));
            found = await client.GetFromJsonAsync<ItemListDto>($"/api/v1/search?q={Uri.EscapeDataString("φάκ".Replace("ά", "α", StringComparison.Ordinal))}", Cancel);
            Assert.Equal(["/ΦΑΚΕΛΟΣ"], found!.Items.Select(i => i.Path));
            await AssertIndexIntactAsync(second);
        }
        finally
        {
            if (TestStack.Current == StackKind.ScaleOut)
                await TestStack.DeleteAsync(dataDir);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>
    /// 100,000 items in one folder, written with one SQL statement; then the database's own plan
    /// shows the search reads the substring index (FTS5 trigram table / GIN trigram index), and
    /// the answers are exact.
    /// </summary>
    [Fact]
    public async Task Search_At100000Items_UsesTheIndexAndFindsExactly()
    {
        const int count = 100_000;
        var user = await _app.NewUserAsync();
        var other = await _app.NewUserAsync();
        var bulk = await user.CreateFolderAsync("bulk");
        await user.UploadAsync("Quarterly Needle Report.pdf", "x");
        var nested = await user.CreateFolderAsync("deep", bulk.Id);
        await user.UploadAsync("needle in the haystack.txt", "x", nested.Id);
        await other.UploadAsync("needle of someone else.txt", "x");

        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        var postgres = db.Database.ProviderName!.Contains("Npgsql", StringComparison.Ordinal);
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
        object[] arguments = postgres
            ? [user.Id, Guid.Parse(bulk.Id), count]
            : [user.Id.ToString().ToUpperInvariant(), bulk.Id.ToUpperInvariant(), count]; // as EF stores a Guid in SQLite
        var inserted = await db.Database.ExecuteSqlRawAsync(postgres ? PostgresBulkInsert : SqliteBulkInsert, arguments, Cancel);
        Assert.Equal(count, inserted);
        if (postgres)
            await db.Database.ExecuteSqlRawAsync("""ANALYZE "Items" """, Cancel);

        var search = scope.ServiceProvider.GetRequiredService<ItemSearch>();
        var plan = await PlanAsync(db, search.Query(user.Id, ItemName.SearchKey("needle")).Take(ItemSearch.DefaultPageSize + 1), postgres);
        if (postgres)
            Assert.Contains("IX_Items_SearchName_Trigram", plan, StringComparison.Ordinal);
        else
        {
            // The FTS5 table, queried through its index, drives; each match is then read by rowid.
            Assert.StartsWith("SCAN ItemSearch VIRTUAL TABLE INDEX", plan, StringComparison.Ordinal);
            Assert.Contains("SEARCH Items USING INTEGER PRIMARY KEY (rowid=?)", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("IX_Items_OwnerId", plan, StringComparison.Ordinal);
        }

        if (!postgres)
        {
            // Below a trigram, SQLite reads the owner's names in search order (PostgreSQL's planner
            // picks between the owner's index and a sequential read by how many rows are the owner's).
            var shortPlan = await PlanAsync(db, search.Query(user.Id, ItemName.SearchKey("ne")).Take(ItemSearch.DefaultPageSize + 1), postgres);
            Assert.Contains("IX_Items_OwnerId_Kind_SearchName", shortPlan, StringComparison.Ordinal);
        }

        Assert.Equal(
            ["/bulk/deep/needle in the haystack.txt", "/Quarterly Needle Report.pdf"],
            (await SearchAsync(user, "NEEDLE")).Items.Select(i => i.Path));
        Assert.Equal(
            Enumerable.Range(42170, 10).Select(n => $"/bulk/item-{n:D6}.dat"),
            (await SearchAsync(user, "item-04217")).Items.Select(i => i.Path));
        var firstPage = await SearchAsync(user, "item", "&limit=200");
        Assert.Equal(200, firstPage.Items.Count);
        Assert.NotNull(firstPage.NextCursor);
        Assert.Equal("/bulk/item-000001.dat", firstPage.Items[0].Path);
        Assert.Empty((await SearchAsync(other, "item-0")).Items);
        await AssertIndexIntactAsync();
    }

    // Names "item-000001.dat"...; their keys are the names (ASCII lower case already), as ItemName.SearchKey makes them.
    private const string SqliteBulkInsert = """
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {2})
        INSERT INTO "Items" ("Id", "OwnerId", "ParentId", "Name", "SearchName", "Kind", "Size", "Created", "Modified", "Replicated")
        SELECT upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-A'
                     || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
               {0}, {1}, printf('item-%06d.dat', x), printf('item-%06d.dat', x), 1, 0, 0, 0, 0
        FROM n
        """;

    private const string PostgresBulkInsert = """
        INSERT INTO "Items" ("Id", "OwnerId", "ParentId", "Name", "SearchName", "Kind", "Size", "Created", "Modified", "Replicated")
        SELECT gen_random_uuid(), {0}, {1}, format('item-%s.dat', lpad(x::text, 6, '0')), format('item-%s.dat', lpad(x::text, 6, '0')),
               1, 0, now(), now(), false
        FROM generate_series(1, {2}) AS x
        """;

    /// <summary>The database's plan for the query, as text: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL.</summary>
    private static async Task<string> PlanAsync(CofferDb db, IQueryable<Item> query, bool postgres)
    {
        await db.Database.OpenConnectionAsync(Cancel);
        try
        {
            await using var command = query.CreateDbCommand();
            command.CommandText = (postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + command.CommandText;
            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(Cancel);
            while (await reader.ReadAsync(Cancel))
                lines.Add(reader.GetString(postgres ? 0 : 3));
            return string.Join('\n', lines);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>On SQLite, the FTS5 index holds exactly what Items holds (the triggers kept it in step).</summary>
    private async Task AssertIndexIntactAsync(CofferApp? app = null)
    {
        app ??= _app;
        if (app.Stack != StackKind.Embedded)
            return;
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        // Raises an error when the index and its content table disagree.
        await db.Database.ExecuteSqlRawAsync("""INSERT INTO "ItemSearch"("ItemSearch", rank) VALUES ('integrity-check', 1)""", Cancel);
    }

    private static async Task<ItemListDto> SearchAsync(TestUser user, string query, string extra = "")
    {
        var response = await user.Client.GetAsync($"/api/v1/search?q={Uri.EscapeDataString(query)}{extra}", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ItemListDto>(Cancel))!;
    }
}
