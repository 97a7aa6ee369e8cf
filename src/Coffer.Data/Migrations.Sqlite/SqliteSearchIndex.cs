namespace Coffer.Data.Migrations.Sqlite;

/// <summary>
/// The SQLite search index's triggers: an FTS5 index of trigrams over Items.SearchName with
/// external content, kept in step with Items by these triggers. EF rebuilds Items on SQLite to
/// drop or alter a column, which drops the triggers with the old table and may renumber rowids,
/// so any migration that does so (up or down) runs <see cref="RecreateTriggers"/> afterwards.
/// </summary>
internal static class SqliteSearchIndex
{
    public const string Triggers = """
        CREATE TRIGGER IF NOT EXISTS "Items_Search_Insert" AFTER INSERT ON "Items" BEGIN
            INSERT INTO "ItemSearch"(rowid, "SearchName") VALUES (new.rowid, new."SearchName");
        END;
        CREATE TRIGGER IF NOT EXISTS "Items_Search_Delete" AFTER DELETE ON "Items" BEGIN
            INSERT INTO "ItemSearch"("ItemSearch", rowid, "SearchName") VALUES ('delete', old.rowid, old."SearchName");
        END;
        CREATE TRIGGER IF NOT EXISTS "Items_Search_Update" AFTER UPDATE OF "SearchName" ON "Items" BEGIN
            INSERT INTO "ItemSearch"("ItemSearch", rowid, "SearchName") VALUES ('delete', old.rowid, old."SearchName");
            INSERT INTO "ItemSearch"(rowid, "SearchName") VALUES (new.rowid, new."SearchName");
        END;
        """;

    /// <summary>After a rebuild of Items: the triggers again, and the index rebuilt from the table.</summary>
    public const string RecreateTriggers = Triggers + """

        INSERT INTO "ItemSearch"("ItemSearch") VALUES ('rebuild');
        """;
}
