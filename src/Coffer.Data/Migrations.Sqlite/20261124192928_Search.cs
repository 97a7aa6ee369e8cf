using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Coffer.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Search : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SearchName",
                table: "Items",
                type: "TEXT",
                maxLength: 1024,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_Items_OwnerId_Kind_SearchName",
                table: "Items",
                columns: new[] { "OwnerId", "Kind", "SearchName" });

            // Substring search: an FTS5 index of trigrams over Items.SearchName, external content
            // (the text stays in Items) keyed by Items' rowid, kept in step by triggers. case_sensitive 1:
            // the column is already folded by ItemName.SearchKey, and FTS5's own folding (ASCII and
            // Unicode 6.1) must not fold it differently from the query. Existing rows get their
            // SearchName at start-up (SearchNameBackfill: SQL's lower() knows only ASCII), and the
            // update trigger carries it here. A later migration that rebuilds Items (EF does so to
            // drop or alter a column on SQLite) drops these triggers with the old table and may
            // renumber rowids: it must run SqliteSearchIndex.RecreateTriggers afterwards.
            // SearchIndexTests' integrity check fails if that is forgotten.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "ItemSearch" USING fts5("SearchName", content='Items', tokenize='trigram case_sensitive 1');
                INSERT INTO "ItemSearch"("ItemSearch") VALUES ('rebuild');
                """);
            migrationBuilder.Sql(SqliteSearchIndex.Triggers);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS "Items_Search_Update";
                DROP TRIGGER IF EXISTS "Items_Search_Delete";
                DROP TRIGGER IF EXISTS "Items_Search_Insert";
                DROP TABLE "ItemSearch";
                """);

            migrationBuilder.DropIndex(
                name: "IX_Items_OwnerId_Kind_SearchName",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "SearchName",
                table: "Items");
        }
    }
}
