using System.Security.Cryptography;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Core.Persistence;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// Key rotation (re-wrap every data key under the new KEK, content untouched, resumable, the old
/// KEK then not needed) and sealing of blobs stored while encryption was off. The "restart with
/// new keys" is a vault loaded again from the key directory, as the server does at start.
/// </summary>
public sealed class KeyMaintenanceTests
{
    private static readonly byte[] Marker = "<<COFFER-MAINTENANCE-MARKER-91c4>>"u8.ToArray();

    private static string KeyDirectory(CoreHarness h) => new EncryptionOptions().KeyDirectoryFor(h.Root);

    private static LocalKeyVault LoadVault(CoreHarness h) =>
        KeyRing.Load(new EncryptionOptions(), h.Root, h.Clock, createIfNone: true, out _);

    private static BlobPipeline Pipeline(IBlobStore store, IKeyVault vault) =>
        new(store, vault, Options.Create(new EncryptionOptions()));

    private static KeyMaintenance Maintenance(CofferDb db, IKeyVault vault, IBlobStore store) =>
        new(db, vault, store, Pipeline(store, vault), NullLogger<KeyMaintenance>.Instance);

    /// <summary>Each item's content by its blob's id.</summary>
    private static async Task<Dictionary<Guid, byte[]>> ContentByBlobAsync(CoreHarness h, List<Guid> items, byte[][] contents)
    {
        await using var db = h.OpenDb();
        var byBlob = new Dictionary<Guid, byte[]>();
        for (var i = 0; i < items.Count; i++)
            byBlob[await db.FileVersions.Where(v => v.ItemId == items[i]).Select(v => v.BlobId).SingleAsync(Ct)] = contents[i];
        return byBlob;
    }

    private static async Task<List<Blob>> BlobsAsync(CoreHarness h)
    {
        await using var db = h.OpenDb();
        return await db.Blobs.AsNoTracking().OrderBy(b => b.Id).ToListAsync(Ct);
    }

    private static async Task<byte[]> ReadThroughAsync(BlobPipeline pipeline, Blob blob)
    {
        await using var content = await pipeline.OpenAsync(blob, Ct);
        return await Reads.ReadAllAsync(content, 81920);
    }

    private static byte[] Marked(int length)
    {
        var content = RandomBytes(length, length);
        for (var i = 0; i + Marker.Length <= length; i += 5000)
            Marker.CopyTo(content, i);
        return content;
    }

    [Fact]
    public async Task RewrapAsync_AfterANewKeyFile_RewrapsAllContentUntouchedOldKeyNoLongerNeeded()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var contents = new[] { RandomBytes(0, 1), RandomBytes(1, 2), RandomBytes(300_000, 3) };
        var items = new List<Guid>();
        for (var i = 0; i < contents.Length; i++)
            items.Add((await h.UploadAsync(user.Id, $"f{i}.bin", contents[i])).Item.Id);
        var before = await BlobsAsync(h);
        var oldKey = Assert.Single(before.Select(b => b.KeyId).Distinct())!;
        var storedBefore = before.ToDictionary(b => b.Id, b => File.ReadAllBytes(h.BlobPath(b.StoreKey)));
        await using var s = h.Scope();
        var store = s.Get<IBlobStore>();

        h.Clock.Advance(TimeSpan.FromDays(90));
        var newKey = KeyRing.CreateKeyFile(KeyDirectory(h), h.Clock);
        var rotated = LoadVault(h);
        Assert.Equal(newKey, rotated.ActiveKeyId);
        await using (var db = h.OpenDb())
        {
            var maintenance = Maintenance(db, rotated, store);
            Assert.Equal(contents.Length, (await maintenance.RewrapAsync(Ct)).Done);
            Assert.Equal(0, (await maintenance.RewrapAsync(Ct)).Done);
            Assert.Equal(new Dictionary<string, int> { [newKey] = contents.Length }, await maintenance.UsageAsync(Ct));
        }

        var after = await BlobsAsync(h);
        Assert.All(after, b => Assert.Equal(newKey, b.KeyId));
        Assert.All(after, b => Assert.NotEqual(before.Single(o => o.Id == b.Id).WrappedKey, b.WrappedKey));
        Assert.All(after, b => Assert.Equal(storedBefore[b.Id], File.ReadAllBytes(h.BlobPath(b.StoreKey)))); // content not re-encrypted

        // Retire the old key: move its file away, start again with only the new one.
        var oldPath = KeyRing.PathOf(KeyDirectory(h), oldKey);
        File.Move(oldPath, Path.Combine(h.Root, "old.key.bak"));
        var retired = LoadVault(h);
        Assert.Equal([newKey], retired.KeyIds);
        await using (var db = h.OpenDb())
            await new KeyCheck(db, new KeyVaultHolder(retired), Options.Create(new EncryptionOptions()), NullLogger<KeyCheck>.Instance).RunAsync(Ct);
        var pipeline = Pipeline(store, retired);
        var expected = await ContentByBlobAsync(h, items, contents);
        foreach (var blob in after)
            Assert.Equal(expected[blob.Id], await ReadThroughAsync(pipeline, blob));
    }

    [Fact]
    public async Task RewrapAsync_InterruptedAfterTheFirstBatch_NextRunDoesTheRestOnly()
    {
        await using var h = await StartAsync();
        await using var s = h.Scope();
        var store = s.Get<IBlobStore>();
        var old = LoadVault(h);
        var oldKey = old.ActiveKeyId!;
        var dataKeys = new Dictionary<Guid, byte[]>();
        await using (var db = h.OpenDb())
        {
            for (var i = 0; i < 450; i++)
            {
                // Rows only: re-wrapping reads and writes the database, never the blobs.
                var id = Guid.CreateVersion7();
                dataKeys[id] = RandomNumberGenerator.GetBytes(SealedFormat.KeySize);
                db.Blobs.Add(new Blob
                {
                    Id = id,
                    StoreKey = BlobKey.For(Guid.Empty, id),
                    KeyId = oldKey,
                    WrappedKey = await old.WrapAsync(oldKey, dataKeys[id], id.ToByteArray(), Ct),
                });
            }
            await db.SaveChangesAsync(Ct);
        }
        h.Clock.Advance(TimeSpan.FromDays(1));
        var newKey = KeyRing.CreateKeyFile(KeyDirectory(h), h.Clock);
        var rotated = LoadVault(h);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var stopping = new InterruptingVault(rotated, afterWraps: 250, interrupt);

        await using (var db = h.OpenDb())
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Maintenance(db, stopping, store).RewrapAsync(interrupt.Token));

        var halfway = await BlobsAsync(h);
        Assert.Equal(200, halfway.Count(b => b.KeyId == newKey)); // the first batch committed, the second did not
        await using (var db = h.OpenDb())
        {
            var maintenance = Maintenance(db, rotated, store);
            Assert.Equal(250, (await maintenance.RewrapAsync(Ct)).Done);
            Assert.Equal(0, (await maintenance.RewrapAsync(Ct)).Done);
        }
        var newOnly = new LocalKeyVault(
            new Dictionary<string, byte[]> { [newKey] = KeyFile.Read(KeyRing.PathOf(KeyDirectory(h), newKey), SealedFormat.KeySize) }, newKey, "test");
        foreach (var blob in await BlobsAsync(h))
        {
            Assert.Equal(newKey, blob.KeyId);
            Assert.Equal(dataKeys[blob.Id], await newOnly.UnwrapAsync(newKey, blob.WrappedKey!, blob.Id.ToByteArray(), Ct));
        }
    }

    [Fact]
    public async Task SealPlaintextAsync_APlaintextObjectAlteredInStorage_IsSkippedNotSealed_AndTheOthersGoOn()
    {
        await using var h = await StartAsync(encryption: o => o.Enabled = false);
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, "good.bin", Marked(5_000));
        await h.UploadAsync(user.Id, "altered.bin", Marked(6_000));
        var before = await BlobsAsync(h);
        var altered = before.Single(b => b.Size == 6_000);
        var path = h.BlobPath(altered.StoreKey);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[100] ^= 0x20; // same size, different content: only the recorded SHA-256 tells
        await File.WriteAllBytesAsync(path, bytes, Ct);
        await using var s = h.Scope();
        var store = s.Get<IBlobStore>();
        var vault = LoadVault(h);

        MaintenanceResult result;
        await using (var db = h.OpenDb())
            result = await Maintenance(db, vault, store).SealPlaintextAsync(Ct);

        Assert.Equal(new MaintenanceResult(Done: 1, Failed: 1), result);
        var after = await BlobsAsync(h);
        Assert.Null(after.Single(b => b.Id == altered.Id).KeyId); // not given a seal it does not deserve
        Assert.Equal(vault.ActiveKeyId, after.Single(b => b.Id != altered.Id).KeyId);
        Assert.True(File.Exists(path), "The altered plaintext stays for an administrator to look at.");
        Assert.Equal(2, h.BlobFiles().Count); // the refused sealed copy was removed
    }

    [Fact]
    public async Task SealPlaintextAsync_BlobsStoredWithEncryptionOff_SealedInPlaceOfThePlaintext()
    {
        await using var h = await StartAsync(encryption: o => o.Enabled = false);
        var user = await h.RegisterAsync();
        var contents = new[] { Marked(0), Marked(Marker.Length), Marked(300_000) };
        var items = new List<Guid>();
        for (var i = 0; i < contents.Length; i++)
            items.Add((await h.UploadAsync(user.Id, $"f{i}.bin", contents[i])).Item.Id);
        var before = await BlobsAsync(h);
        Assert.All(before, b => Assert.Null(b.KeyId));
        Assert.All(before, b => Assert.Null(b.WrappedKey));
        Assert.Equal(2, h.BlobFiles().Count(f => File.ReadAllBytes(f).AsSpan().IndexOf(Marker) >= 0));
        await using var s = h.Scope();
        var store = s.Get<IBlobStore>();

        var vault = LoadVault(h); // encryption turned on: the first key file is made
        int sealedCount;
        await using (var db = h.OpenDb())
        {
            var maintenance = Maintenance(db, vault, store);
            sealedCount = (await maintenance.SealPlaintextAsync(Ct)).Done;
            Assert.Equal(0, (await maintenance.SealPlaintextAsync(Ct)).Done);
        }

        Assert.Equal(contents.Length, sealedCount);
        var after = await BlobsAsync(h);
        Assert.Equal(before.Select(b => b.Id), after.Select(b => b.Id)); // the same rows, switched over
        Assert.All(after, b => Assert.Equal(vault.ActiveKeyId, b.KeyId));
        Assert.All(before, b => Assert.False(File.Exists(h.BlobPath(b.StoreKey)), "The plaintext copy is still there."));
        Assert.Equal(after.Select(b => h.BlobPath(b.StoreKey)).Order(), h.BlobFiles().Order());
        Assert.DoesNotContain(Directory.GetFiles(h.Root, "*", SearchOption.AllDirectories), f => File.ReadAllBytes(f).AsSpan().IndexOf(Marker) >= 0);
        var pipeline = Pipeline(store, vault);
        await using var check = h.OpenDb();
        for (var i = 0; i < contents.Length; i++)
        {
            var version = await check.FileVersions.Include(v => v.Blob).AsNoTracking().SingleAsync(v => v.ItemId == items[i], Ct);
            Assert.Equal(contents[i].Length, version.Blob.Size);
            Assert.Equal(SealedFormat.StoredLength(contents[i].Length, 1 << SealedFormat.DefaultSegmentLog2),
                new FileInfo(h.BlobPath(version.Blob.StoreKey)).Length);
            var read = await ReadThroughAsync(pipeline, version.Blob);
            Assert.Equal(contents[i], read);
            Assert.Equal(Sha256Hex(contents[i]), version.Sha256);
            Assert.Equal(version.Sha256, Sha256Hex(read));
        }
    }

    /// <summary>A real vault that cancels the run after a number of wraps, as a stop part-way through a rotation would.</summary>
    private sealed class InterruptingVault(IKeyVault inner, int afterWraps, CancellationTokenSource interrupt) : IKeyVault
    {
        private int _wraps;

        public string? ActiveKeyId => inner.ActiveKeyId;

        public IReadOnlyCollection<string> KeyIds => inner.KeyIds;

        public ValueTask<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
        {
            if (++_wraps == afterWraps)
                interrupt.Cancel();
            return inner.WrapAsync(keyId, dataKey, context, cancellationToken);
        }

        public ValueTask<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) =>
            inner.UnwrapAsync(keyId, wrapped, context, cancellationToken);
    }
}
