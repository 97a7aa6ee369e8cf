using System.Text;
using Coffer.Core.Crypto;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// With encryption on, what an upload leaves on disk holds no plaintext: a marker repeated
/// through the content appears in no file under the data directory (blobs, database, keys), and
/// the blob is exactly the sealed size. The same check with encryption off finds the marker,
/// so the search itself works.
/// </summary>
public sealed class CiphertextAtRestTests
{
    private static readonly byte[] Marker = "<<COFFER-PLAINTEXT-MARKER-5d1e>>"u8.ToArray();

    /// <summary>The marker repeated, with random runs between that shift it across segment boundaries.</summary>
    private static byte[] MarkedContent(int approximateLength)
    {
        var random = new Random(7);
        using var content = new MemoryStream();
        while (content.Length < approximateLength)
        {
            content.Write(Marker);
            var filler = new byte[random.Next(0, 300)];
            random.NextBytes(filler);
            content.Write(filler);
        }
        return content.ToArray();
    }

    private static List<string> FilesContaining(string root, byte[] needle) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0)
            .ToList();

    [Theory]
    [InlineData(1)] // the marker alone
    [InlineData(200_000)] // several segments
    public async Task UploadAsync_EncryptionOn_NoFileUnderTheDataDirContainsThePlaintext(int length)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var content = MarkedContent(length);

        var result = await h.UploadAsync(user.Id, "marked.txt", content);

        var key = Assert.Single(await h.BlobKeysOfAsync(result.Item.Id));
        var stored = await File.ReadAllBytesAsync(h.BlobPath(key), Ct);
        Assert.Equal(SealedFormat.StoredLength(content.Length, 1 << SealedFormat.DefaultSegmentLog2), stored.Length);
        Assert.True(stored.AsSpan().IndexOf(Marker) < 0, "The stored blob contains the plaintext marker.");
        Assert.Empty(FilesContaining(h.Root, Marker));
        Assert.DoesNotContain(h.BlobFiles(), f => f.EndsWith(".partial", StringComparison.Ordinal));
        await using (var db = h.OpenDb())
            Assert.NotNull((await db.Blobs.SingleAsync(Ct)).KeyId);
        Assert.Equal(content, await h.DownloadAsync(user.Id, result.Item.Id.ToString()));
    }

    [Fact]
    public async Task UploadAsync_EncryptionOff_MarkerIsFoundInTheBlob()
    {
        await using var h = await StartAsync(encryption: o => o.Enabled = false);
        var user = await h.RegisterAsync();
        var content = MarkedContent(200_000);

        var result = await h.UploadAsync(user.Id, "marked.txt", content);

        var key = Assert.Single(await h.BlobKeysOfAsync(result.Item.Id));
        Assert.Equal([h.BlobPath(key)], FilesContaining(h.Root, Marker));
    }

    [Fact]
    public async Task UploadAsync_EncryptionOn_StoredBlobDoesNotLookLikeTheContent()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var content = Encoding.ASCII.GetBytes(new string('A', 100_000)); // highly redundant: any leak would show

        var result = await h.UploadAsync(user.Id, "a.txt", content);

        var stored = await File.ReadAllBytesAsync(h.BlobPath(Assert.Single(await h.BlobKeysOfAsync(result.Item.Id))), Ct);
        Assert.True(stored.AsSpan().IndexOf("AAAAAAAA"u8) < 0, "The stored blob contains a run of the plaintext.");
        var counts = new int[256];
        foreach (var b in stored.AsSpan(SealedFormat.HeaderSize))
            counts[b]++;
        Assert.True(counts.Max() < stored.Length / 100, "The stored bytes are far from uniform.");
    }
}
