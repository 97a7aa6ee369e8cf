using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// <c>Coffer:Encryption:Enabled=false</c>: new blobs are stored as they are (the row says so:
/// no key id), no key is made, and blobs sealed while it was on still open with the kept key.
/// </summary>
public sealed class EncryptionDisabledTests
{
    private static readonly IOptions<EncryptionOptions> Off = Options.Create(new EncryptionOptions { Enabled = false });

    [Fact]
    public async Task UploadAsync_EncryptionOff_StoresPlaintextWithoutKeyAndReadsBack()
    {
        await using var h = await StartAsync(encryption: o => o.Enabled = false);
        var user = await h.RegisterAsync();
        var content = RandomBytes(150_000);

        var result = await h.UploadAsync(user.Id, "plain.bin", content);

        await using (var db = h.OpenDb())
        {
            var blob = await db.Blobs.SingleAsync(Ct);
            Assert.Null(blob.KeyId);
            Assert.Null(blob.WrappedKey);
            Assert.Equal(content, await File.ReadAllBytesAsync(h.BlobPath(blob.StoreKey), Ct));
        }
        Assert.Equal(content, await h.DownloadAsync(user.Id, result.Item.Id.ToString()));
        var keyDirectory = new EncryptionOptions().KeyDirectoryFor(h.Root);
        Assert.False(Directory.Exists(keyDirectory) && Directory.EnumerateFiles(keyDirectory).Any(), "A key was made with encryption off.");
        await using var s = h.Scope();
        await s.Get<KeyCheck>().RunAsync(Ct);
    }

    [Fact]
    public async Task OpenAsync_SealedBeforeEncryptionWasTurnedOff_StillOpensAndNewBlobsArePlaintext()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var sealedContent = RandomBytes(150_000, seed: 1);
        await h.UploadAsync(user.Id, "sealed.bin", sealedContent);
        Blob sealedBlob;
        await using (var db = h.OpenDb())
            sealedBlob = await db.Blobs.AsNoTracking().SingleAsync(Ct);
        Assert.NotNull(sealedBlob.KeyId);
        await using var s = h.Scope();
        var store = s.Get<IBlobStore>();

        // Start again with encryption off: the key file is loaded, none is made.
        var vault = KeyRing.Load(Off.Value, h.Root, h.Clock, createIfNone: false, out var created);
        Assert.Null(created);
        var pipeline = new BlobPipeline(store, vault, Off);
        await using (var db = h.OpenDb())
            await new KeyCheck(db, new KeyVaultHolder(vault), Off, NullLogger<KeyCheck>.Instance).RunAsync(Ct);

        await using (var opened = await pipeline.OpenAsync(sealedBlob, Ct))
            Assert.Equal(sealedContent, await Reads.ReadAllAsync(opened, 81920));

        var plainContent = RandomBytes(70_000, seed: 2);
        var stored = await pipeline.StoreAsync(user.Id, new MemoryStream(plainContent), maxBytes: 0, Ct);
        Assert.Null(stored.KeyId);
        Assert.Null(stored.WrappedKey);
        Assert.Equal(plainContent, await File.ReadAllBytesAsync(h.BlobPath(stored.Key), Ct));
        await using (var opened = await pipeline.OpenAsync(SealedRoundTripTests.ToBlob(stored), Ct))
            Assert.Equal(plainContent, await Reads.ReadAllAsync(opened, 81920));

        // And with encryption on again, both kinds open side by side.
        var on = new BlobPipeline(store, vault, Options.Create(new EncryptionOptions()));
        await using (var opened = await on.OpenAsync(SealedRoundTripTests.ToBlob(stored), Ct))
            Assert.Equal(plainContent, await Reads.ReadAllAsync(opened, 81920));
        await using (var opened = await on.OpenAsync(sealedBlob, Ct))
            Assert.Equal(sealedContent, await Reads.ReadAllAsync(opened, 81920));
    }
}
