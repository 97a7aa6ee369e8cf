using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Coffer.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Lifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Items_ParentId_Name",
                table: "Items");

            migrationBuilder.AddColumn<int>(
                name: "VersionKeepDays",
                table: "Users",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "VersionKeepLast",
                table: "Users",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DeletedAt",
                table: "Items",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "DeletedBy",
                table: "Items",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "OriginalParentId",
                table: "Items",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OriginalPath",
                table: "Items",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "TrashRootId",
                table: "Items",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StorageClass",
                table: "Blobs",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "VerifiedAt",
                table: "Blobs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "IntegrityFindings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    BlobId = table.Column<Guid>(type: "uuid", nullable: true),
                    StoreKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Problem = table.Column<int>(type: "integer", nullable: false),
                    Detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Found = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Repaired = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IntegrityFindings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LifecycleRules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    FolderId = table.Column<Guid>(type: "uuid", nullable: true),
                    Action = table.Column<int>(type: "integer", nullable: false),
                    AfterDays = table.Column<int>(type: "integer", nullable: false),
                    StorageClass = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastRun = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastOutcome = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LifecycleRules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LifecycleRules_Items_FolderId",
                        column: x => x.FolderId,
                        principalTable: "Items",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "UploadReservations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerId = table.Column<Guid>(type: "uuid", nullable: false),
                    Bytes = table.Column<long>(type: "bigint", nullable: false),
                    StoreKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Expires = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UploadReservations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_UploadReservations_Users_OwnerId",
                        column: x => x.OwnerId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Items_OwnerId_DeletedAt",
                table: "Items",
                columns: new[] { "OwnerId", "DeletedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Items_ParentId_Name",
                table: "Items",
                columns: new[] { "ParentId", "Name" },
                unique: true,
                filter: "\"DeletedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Items_TrashRootId",
                table: "Items",
                column: "TrashRootId");

            migrationBuilder.CreateIndex(
                name: "IX_Blobs_VerifiedAt",
                table: "Blobs",
                column: "VerifiedAt");

            migrationBuilder.CreateIndex(
                name: "IX_IntegrityFindings_Found",
                table: "IntegrityFindings",
                column: "Found");

            migrationBuilder.CreateIndex(
                name: "IX_IntegrityFindings_StoreKey",
                table: "IntegrityFindings",
                column: "StoreKey");

            migrationBuilder.CreateIndex(
                name: "IX_LifecycleRules_FolderId",
                table: "LifecycleRules",
                column: "FolderId");

            migrationBuilder.CreateIndex(
                name: "IX_UploadReservations_Expires",
                table: "UploadReservations",
                column: "Expires");

            migrationBuilder.CreateIndex(
                name: "IX_UploadReservations_OwnerId",
                table: "UploadReservations",
                column: "OwnerId");

            migrationBuilder.CreateIndex(
                name: "IX_UploadReservations_StoreKey",
                table: "UploadReservations",
                column: "StoreKey");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IntegrityFindings");

            migrationBuilder.DropTable(
                name: "LifecycleRules");

            migrationBuilder.DropTable(
                name: "UploadReservations");

            migrationBuilder.DropIndex(
                name: "IX_Items_OwnerId_DeletedAt",
                table: "Items");

            migrationBuilder.DropIndex(
                name: "IX_Items_ParentId_Name",
                table: "Items");

            migrationBuilder.DropIndex(
                name: "IX_Items_TrashRootId",
                table: "Items");

            migrationBuilder.DropIndex(
                name: "IX_Blobs_VerifiedAt",
                table: "Blobs");

            migrationBuilder.DropColumn(
                name: "VersionKeepDays",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "VersionKeepLast",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "DeletedAt",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "DeletedBy",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "OriginalParentId",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "OriginalPath",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "TrashRootId",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "StorageClass",
                table: "Blobs");

            migrationBuilder.DropColumn(
                name: "VerifiedAt",
                table: "Blobs");

            migrationBuilder.CreateIndex(
                name: "IX_Items_ParentId_Name",
                table: "Items",
                columns: new[] { "ParentId", "Name" },
                unique: true);
        }
    }
}
