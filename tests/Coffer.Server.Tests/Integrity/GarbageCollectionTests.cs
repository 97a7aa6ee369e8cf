using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Coffer.Core.Blobs;
using Coffer.Core.Drive;
using Coffer.Core.Previews;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Tests.Integrity;

/// <summary>
/// Garbage collection removes what nothing uses once it is older than the grace period, and
/// never a blob something still uses: a current or older version, a trashed file's, a
/// thumbnail, a direct upload's object, or an upload still streaming in.
/// </summary>
public sealed class GarbageCollectionTests
{
    private const long MiB = 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OrphanObjectAndUnusedRow_AreRemovedAfterTheGracePeriod_NotBefore()
    {
        using var app = new CofferApp(IntegrityApp.Quiet());
        var user = await app.NewUserAsync();
        app.CatchUpWithTheStore();
        var kept = await user.UploadAsync("kept.txt", "in use");
        var orphan = await app.WriteObjectAsync(user.Id, "bytes whose metadata never committed"u8.ToArray());
        var unused = await app.UnusedBlobAsync(user.Id, "a row whose file was deleted"u8.ToArray());

        var early = await app.CollectAsync();

        Assert.Equal(new(0, 0, 0), early);
        Assert.True(await app.ExistsAsync(orphan));
        Assert.True(await app.ExistsAsync(unused.StoreKey));

        app.Clock.Advance(TimeSpan.FromHours(25));
        var late = await app.CollectAsync();

        Assert.Equal(1, late.Rows);
        Assert.Equal(1, late.Objects);
        Assert.False(await app.ExistsAsync(orphan));
        Assert.False(await app.ExistsAsync(unused.StoreKey));
        Assert.False(await app.WithDbAsync(db => db.Blobs.AnyAsync(b => b.Id == unused.Id, Ct)));
        Assert.Equal("in use", await user.Client.GetStringAsync($"/api/v1/items/{kept.Id}/content", Ct));
        Assert.Single(app.StoredBlobs());
    }

    [Fact]
    public async Task ReferencedBlobs_AreNeverRemoved_IncludingAnUploadInProgress()
    {
        // A short grace period: a day's jump of the clock would make the multipart sweep abort the paused upload on S3.
        using var app = new CofferApp(IntegrityApp.Quiet(("Coffer:Gc:GraceHours", "1")));
        app.UseKestrel(0);
        app.StartServer();
        var user = await app.NewUserAsync();
        app.CatchUpWithTheStore();

        var current = await user.UploadAsync("current.txt", "the current version");
        var withThumbnail = await user.UploadAsync("pictured.txt", "has a (pretend) thumbnail");
        var trashed = await user.UploadAsync("trashed.txt", "in the trash, still restorable");
        var olderVersion = await app.UnusedBlobAsync(user.Id, "an older version of current.txt"u8.ToArray());
        var thumbnail = await app.UnusedBlobAsync(user.Id, "thumbnail bytes"u8.ToArray());
        var directKey = await app.WriteObjectAsync(user.Id, "sent straight to the store, not completed yet"u8.ToArray());
        var now = app.Clock.GetUtcNow();
        await app.WithDbAsync(async db =>
        {
            db.FileVersions.Add(new FileVersion
            {
                Id = Guid.CreateVersion7(), ItemId = Guid.Parse(current.Id), BlobId = olderVersion.Id, Size = olderVersion.Size,
                Sha256 = new string('0', 64), Created = now, CreatedBy = user.Id,
            });
            var pictured = await db.Items.Where(i => i.Id == Guid.Parse(withThumbnail.Id)).Select(i => i.CurrentVersionId!.Value).SingleAsync(Ct);
            db.Thumbnails.Add(new Thumbnail { VersionId = pictured, State = ThumbnailState.Ready, BlobId = thumbnail.Id, Width = 1, Height = 1, Created = now });
            db.DirectUploads.Add(new DirectUpload
            {
                Id = Guid.CreateVersion7(), OwnerId = user.Id, FolderId = Guid.CreateVersion7(), Name = "direct.bin", BlobId = Guid.CreateVersion7(),
                StoreKey = directKey, StoreUploadId = "upload-id", Size = 45, PartBytes = 45, PartCount = 1, Created = now, Expires = now.AddDays(30),
            });
            await db.SaveChangesAsync(Ct);
            await db.ItemsWithTrash.Where(i => i.Id == Guid.Parse(trashed.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(i => i.DeletedAt, now).SetProperty(i => i.TrashRootId, i => i.Id), Ct);
            return 0;
        });
        var keys = new List<string> { olderVersion.StoreKey, thumbnail.StoreKey, directKey };
        foreach (var item in new[] { current, withThumbnail })
            keys.Add((await app.BlobOfAsync(item.Id)).StoreKey);
        keys.Add(await app.WithDbAsync(db => db.FileVersions.Where(v => v.ItemId == Guid.Parse(trashed.Id)).Select(v => v.Blob.StoreKey).SingleAsync(Ct)));

        // An upload paused mid-body (past the first part of a multipart upload on S3) while garbage collection runs with everything else well past its grace period.
        var gate = new GatedStream(new GeneratedStream(24 * MiB, seed: 7), pauseAfter: 12 * MiB);
        var upload = user.Client.PutAsync(TestUser.ContentUrl("root", "streaming.bin"), new StreamContent(gate), Ct);
        await gate.Paused.WaitAsync(Ct);
        await WaitUntilBeingWrittenAsync(app);
        app.Clock.Advance(TimeSpan.FromHours(2));

        var report = await app.CollectAsync();

        Assert.Equal(new(0, 0, 0), report);
        foreach (var key in keys)
            Assert.True(await app.ExistsAsync(key), key);
        gate.Resume();
        var response = await upload;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var uploaded = (await response.Content.ReadFromJsonAsync<ItemDto>(Ct))!;
        await using var content = await user.Client.GetStreamAsync($"/api/v1/items/{uploaded.Id}/content", Ct);
        Assert.Equal(GeneratedStream.Sha256Of(24 * MiB, seed: 7), Convert.ToHexStringLower(await SHA256.HashDataAsync(content, Ct)));
        Assert.Equal("the current version", await user.Client.GetStringAsync($"/api/v1/items/{current.Id}/content", Ct));

        Assert.Equal(new(0, 0, 0), await app.CollectAsync()); // and once it has committed, it is in use like any other
        Assert.True(await app.ExistsAsync((await app.BlobOfAsync(uploaded.Id)).StoreKey));
    }

    [Fact]
    public async Task BackupCopiesOfBlobsThatAreGone_AreRemovedAfterTheGracePeriod()
    {
        var backupRoot = Directory.CreateTempSubdirectory("coffer-backup-").FullName;
        try
        {
            using var app = new CofferApp(IntegrityApp.Quiet(("Coffer:Backup:Provider", "Local"), ("Coffer:Backup:Directory", backupRoot)));
            var user = await app.NewUserAsync();
            app.CatchUpWithTheStore();
            var kept = await user.UploadAsync("kept.txt", "stays");
            var gone = await user.UploadAsync("gone.txt", "deleted for good");
            await ScrubTests.WaitUntilReplicatedAsync(app);
            Assert.Equal(2, Directory.GetFiles(backupRoot, "*", SearchOption.AllDirectories).Length);
            var goneKey = (await app.BlobOfAsync(gone.Id)).StoreKey;
            await app.WithDbAsync(async db => // a permanent delete, as the trash's purge makes it
            {
                await db.FileVersions.Where(v => v.ItemId == Guid.Parse(gone.Id)).ExecuteDeleteAsync(Ct);
                await db.ItemsWithTrash.Where(i => i.Id == Guid.Parse(gone.Id)).ExecuteDeleteAsync(Ct);
                return await db.Blobs.Where(b => b.StoreKey == goneKey).ExecuteDeleteAsync(Ct);
            });

            Assert.Equal(0, (await app.CollectAsync()).BackupCopies);
            app.Clock.Advance(TimeSpan.FromHours(25));
            var report = await app.CollectAsync();

            Assert.Equal(1, report.BackupCopies);
            var left = Assert.Single(Directory.GetFiles(backupRoot, "*", SearchOption.AllDirectories));
            Assert.EndsWith((await app.BlobOfAsync(kept.Id)).StoreKey, left.Replace('\\', '/'), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(backupRoot, recursive: true);
        }
    }

    /// <summary>Until the store shows the upload's unfinished object (a partial file, a multipart upload).</summary>
    private static async Task WaitUntilBeingWrittenAsync(CofferApp app)
    {
        for (var i = 0; i < 200; i++)
        {
            if (app.StoredBlobs().Any(e => e.EndsWith(".partial", StringComparison.Ordinal) || e.StartsWith("upload:", StringComparison.Ordinal)))
                return;
            await Task.Delay(50, Ct);
        }
        Assert.Fail("The paused upload never reached the store.");
    }

    /// <summary>Hands out the first <paramref name="pauseAfter"/> bytes, then waits until <see cref="Resume"/> before the rest.</summary>
    private sealed class GatedStream(Stream inner, long pauseAfter) : Stream
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _position;

        public Task Paused => _paused.Task;

        public void Resume() => _resumed.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= pauseAfter)
            {
                _paused.TrySetResult();
                await _resumed.Task.WaitAsync(cancellationToken);
            }
            var room = _position < pauseAfter ? (int)Math.Min(buffer.Length, pauseAfter - _position) : buffer.Length;
            var read = await inner.ReadAsync(buffer[..room], cancellationToken);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
