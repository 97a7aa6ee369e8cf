using Coffer.Core.Accounts;
using Coffer.Core.Blobs;
using Coffer.Core.Drive;
using Coffer.Core.Events;
using Coffer.Core.Integrity;
using Coffer.Core.Jobs;
using Coffer.Core.Lifecycle;
using Coffer.Core.Previews;
using Coffer.Core.Quotas;
using Coffer.Core.Shares;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Coffer.Core.Persistence;

/// <summary>
/// The metadata store. Provider-neutral: each database provider derives from it in Coffer.Data
/// and owns its migrations there.
/// </summary>
public abstract class CofferDb(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();
    public DbSet<Item> Items => Set<Item>();
    public DbSet<FileVersion> FileVersions => Set<FileVersion>();
    public DbSet<Blob> Blobs => Set<Blob>();
    public DbSet<DirectUpload> DirectUploads => Set<DirectUpload>();
    public DbSet<JobLease> JobLeases => Set<JobLease>();
    public DbSet<ServerKey> ServerKeys => Set<ServerKey>();
    public DbSet<Share> Shares => Set<Share>();
    public DbSet<ItemGrant> ItemGrants => Set<ItemGrant>();
    public DbSet<Thumbnail> Thumbnails => Set<Thumbnail>();
    public DbSet<OutboxEvent> OutboxEvents => Set<OutboxEvent>();
    public DbSet<UploadReservation> UploadReservations => Set<UploadReservation>();
    public DbSet<LifecycleRule> LifecycleRules => Set<LifecycleRule>();
    public DbSet<IntegrityFinding> IntegrityFindings => Set<IntegrityFinding>();

    /// <summary>Items in the trash (and below a trashed folder) too, which <see cref="Items"/> leaves out.</summary>
    public IQueryable<Item> ItemsWithTrash => Items.IgnoreQueryFilters();

    /// <summary>The keys that seal session cookies and antiforgery tokens, shared by every instance.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>
    /// A transaction that holds the database's write lock from its start, so a check and the
    /// write that depends on it (a free name, a move's subtree check, "is this the first
    /// account") cannot interleave with another writer's. SQLite's default BEGIN IMMEDIATE does
    /// exactly that; a provider without such a lock overrides this.
    /// </summary>
    public virtual Task<IDbContextTransaction> BeginWriteAsync(CancellationToken cancellationToken) =>
        Database.BeginTransactionAsync(cancellationToken);

    /// <summary>
    /// Items whose <see cref="Item.SearchName"/> holds <paramref name="searchKey"/> (already folded)
    /// as a literal substring, not yet filtered by owner. A provider answers from its own index
    /// (the "Search" migration); this default is a LIKE with its wildcards escaped, which
    /// PostgreSQL's trigram index serves.
    /// </summary>
    public virtual IQueryable<Item> ItemsWhoseNameContains(string searchKey)
    {
        var pattern = "%" + ItemSearch.EscapeLike(searchKey) + "%";
        return Items.Where(i => EF.Functions.Like(i.SearchName, pattern, ItemSearch.LikeEscape));
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.Property(u => u.Email).HasMaxLength(320);
            user.Property(u => u.NormalizedEmail).HasMaxLength(320);
            user.HasIndex(u => u.NormalizedEmail).IsUnique();
            user.Property(u => u.DisplayName).HasMaxLength(200);
            user.Property(u => u.SecurityStamp).HasMaxLength(64);
        });

        modelBuilder.Entity<AccessToken>(token =>
        {
            token.Property(t => t.Name).HasMaxLength(200);
            token.Property(t => t.SecretHash).HasMaxLength(64);
            token.HasIndex(t => t.SecretHash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Item>(item =>
        {
            item.Property(i => i.Name).HasMaxLength(1024);
            item.Property(i => i.ContentType).HasMaxLength(255);
            item.Property(i => i.Sha256).HasMaxLength(64);
            // The one place that hides the trash: every query of items sees live ones only.
            item.HasQueryFilter(i => i.DeletedAt == null);
            // Names are unique per folder among live items (compared ordinally, the providers' binary collation).
            item.HasIndex(i => new { i.ParentId, i.Name }).IsUnique().HasFilter("\"DeletedAt\" IS NULL");
            item.HasIndex(i => new { i.OwnerId, i.DeletedAt }); // the trash, newest first; the purge
            item.HasIndex(i => i.TrashRootId);
            item.HasIndex(i => new { i.ParentId, i.Kind, i.Name });
            item.HasIndex(i => i.OwnerId);
            // Short search queries (below a trigram) walk the owner's names in search order and stop at a page.
            item.Property(i => i.SearchName).HasMaxLength(1024);
            item.HasIndex(i => new { i.OwnerId, i.Kind, i.SearchName });
            item.HasOne<User>().WithMany().HasForeignKey(i => i.OwnerId).OnDelete(DeleteBehavior.Cascade);
            item.HasOne<Item>().WithMany().HasForeignKey(i => i.ParentId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<FileVersion>(version =>
        {
            version.Property(v => v.Sha256).HasMaxLength(64);
            version.HasIndex(v => v.ItemId);
            version.HasOne<Item>().WithMany().HasForeignKey(v => v.ItemId).OnDelete(DeleteBehavior.Cascade);
            version.HasOne(v => v.Blob).WithMany().HasForeignKey(v => v.BlobId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Blob>(blob =>
        {
            blob.Property(b => b.KeyId).HasMaxLength(64);
            blob.HasIndex(b => b.KeyId); // rotation finds the blobs still under an old key
            blob.Property(b => b.StoreKey).HasMaxLength(200);
            blob.HasIndex(b => b.StoreKey).IsUnique();
            blob.HasIndex(b => new { b.ReplicatedAt, b.ReplicationDue }); // the replication queue
            blob.Property(b => b.StorageClass).HasMaxLength(50);
            blob.HasIndex(b => b.VerifiedAt); // the scrub reads the longest-unverified first
        });

        modelBuilder.Entity<DirectUpload>(upload =>
        {
            upload.Property(u => u.Name).HasMaxLength(1024);
            upload.Property(u => u.StoreKey).HasMaxLength(200);
            upload.Property(u => u.StoreUploadId).HasMaxLength(1024);
            upload.HasIndex(u => u.Expires);
            upload.HasOne<User>().WithMany().HasForeignKey(u => u.OwnerId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<JobLease>(lease =>
        {
            lease.HasKey(l => l.Name);
            lease.Property(l => l.Name).HasMaxLength(100);
            lease.Property(l => l.Holder).HasMaxLength(200);
            lease.Property(l => l.LastOutcome).HasMaxLength(2000);
        });

        modelBuilder.Entity<Share>(share =>
        {
            share.Property(s => s.TokenHash).HasMaxLength(64);
            share.HasIndex(s => s.TokenHash).IsUnique();
            share.HasIndex(s => s.OwnerId);
            share.HasIndex(s => s.ItemId);
            share.HasOne<User>().WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Cascade);
            share.HasOne<Item>().WithMany().HasForeignKey(s => s.ItemId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ItemGrant>(grant =>
        {
            grant.HasIndex(g => new { g.ItemId, g.GranteeId }).IsUnique();
            grant.HasIndex(g => g.GranteeId);
            grant.HasIndex(g => g.OwnerId);
            grant.HasOne<Item>().WithMany().HasForeignKey(g => g.ItemId).OnDelete(DeleteBehavior.Cascade);
            grant.HasOne<User>().WithMany().HasForeignKey(g => g.GranteeId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Thumbnail>(thumbnail =>
        {
            thumbnail.HasKey(t => t.VersionId);
            thumbnail.HasIndex(t => t.State); // the job's queue
            thumbnail.HasOne<FileVersion>().WithOne().HasForeignKey<Thumbnail>(t => t.VersionId).OnDelete(DeleteBehavior.Cascade);
            thumbnail.HasOne<Blob>().WithMany().HasForeignKey(t => t.BlobId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<OutboxEvent>(entry =>
        {
            entry.Property(e => e.Type).HasMaxLength(100);
            entry.HasIndex(e => new { e.UserId, e.Created });
            entry.HasIndex(e => e.Dispatched);
            entry.HasOne<User>().WithMany().HasForeignKey(e => e.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<UploadReservation>(reservation =>
        {
            reservation.Property(r => r.StoreKey).HasMaxLength(200);
            reservation.HasIndex(r => r.OwnerId);
            reservation.HasIndex(r => r.StoreKey);
            reservation.HasIndex(r => r.Expires);
            reservation.HasOne<User>().WithMany().HasForeignKey(r => r.OwnerId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<LifecycleRule>(rule =>
        {
            rule.Property(r => r.Name).HasMaxLength(200);
            rule.Property(r => r.StorageClass).HasMaxLength(50);
            rule.Property(r => r.LastOutcome).HasMaxLength(2000);
            rule.HasOne<Item>().WithMany().HasForeignKey(r => r.FolderId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<IntegrityFinding>(finding =>
        {
            finding.Property(f => f.StoreKey).HasMaxLength(200);
            finding.Property(f => f.Detail).HasMaxLength(2000);
            finding.HasIndex(f => f.StoreKey);
            finding.HasIndex(f => f.Found);
        });

        modelBuilder.Entity<ServerKey>(key =>
        {
            key.HasKey(k => k.Name);
            key.Property(k => k.Name).HasMaxLength(100);
            key.Property(k => k.KeyId).HasMaxLength(64);
        });
    }
}
