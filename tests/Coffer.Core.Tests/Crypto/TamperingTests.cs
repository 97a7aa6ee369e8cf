using System.Security.Cryptography;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Microsoft.Extensions.Options;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// Every way of altering a sealed blob fails the read with <see cref="BlobIntegrityException"/>
/// (or, for the key cases, <see cref="CryptographicException"/> when the data key is unwrapped):
/// never wrong bytes, never a silent short file. Each case is read to the end with asynchronous
/// and with synchronous reads, and whatever was returned before the failure must be true content.
/// </summary>
public sealed class TamperingTests : IDisposable
{
    private const int S = SealedBlobs.S;
    private readonly SealedBlobs _blobs = new();

    public void Dispose() => _blobs.Dispose();

    private Task AssertFailsAsync(SealedBlobs.Sealed blob, byte[] content, string what) =>
        Reads.AssertFailsWithoutWrongBytesAsync(() => _blobs.OpenAsync(blob), content, what);

    private static Task AssertBytesFailAsync(byte[] stored, byte[] dataKey, byte[] content, string what) =>
        Reads.AssertFailsWithoutWrongBytesAsync(() => SealedBlobs.OpenBytesAsync(stored, dataKey), content, what);

    private static byte[] Splice(byte[] stored, int offset, byte[] replacement)
    {
        var copy = (byte[])stored.Clone();
        replacement.CopyTo(copy, offset);
        return copy;
    }

    private static byte[] Segment(byte[] stored, long plainLength, int index)
    {
        var (offset, length) = SealedBlobs.SegmentRange(plainLength, S, index);
        return stored[offset..(offset + length)];
    }

    [Fact]
    public async Task Control_UntouchedCopy_ReadsBack()
    {
        var content = RandomBytes(10 * S + 300);
        var blob = await _blobs.SealAsync(content);
        _blobs.Overwrite(blob, _blobs.StoredBytes(blob));

        await using var opened = await _blobs.OpenAsync(blob);
        Assert.Equal(content, await Reads.ReadAllAsync(opened));
    }

    [Theory]
    [InlineData(0)] // first ciphertext byte of the segment
    [InlineData(500)] // inside
    [InlineData(S)] // first byte of the tag
    [InlineData(S + SealedFormat.TagSize - 1)] // last byte of the tag
    public async Task Read_BitFlippedInAMiddleSegment_ThrowsIntegrity(int offsetInSegment)
    {
        var content = RandomBytes(10 * S + 300);
        var blob = await _blobs.SealAsync(content);
        var (segment, _) = SealedBlobs.SegmentRange(content.Length, S, 5);

        _blobs.Overwrite(blob, SealedBlobs.FlipBit(_blobs.StoredBytes(blob), segment + offsetInSegment, bit: 3));

        await AssertFailsAsync(blob, content, $"bit flipped at {offsetInSegment} in segment 5");
    }

    [Fact]
    public async Task Read_BitFlippedInTheLastShortSegment_ThrowsIntegrity()
    {
        var content = RandomBytes(10 * S + 300);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);

        _blobs.Overwrite(blob, SealedBlobs.FlipBit(stored, stored.Length - SealedFormat.TagSize - 1, bit: 7));

        await AssertFailsAsync(blob, content, "bit flipped in the last segment");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(S - 1)]
    [InlineData(S)]
    [InlineData(3 * S + 1)]
    public async Task Read_AnyBitFlippedInTheHeader_ThrowsIntegrity(int size)
    {
        var content = RandomBytes(size);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);

        for (var bit = 0; bit < SealedFormat.HeaderSize * 8; bit++)
            await AssertBytesFailAsync(SealedBlobs.FlipBit(stored, bit / 8, bit % 8), blob.DataKey, content, $"header bit {bit} flipped");
    }

    [Theory]
    [InlineData(10 * S + 300)] // last segment short
    [InlineData(10 * S)] // last segment full
    [InlineData(2 * S)] // two segments: the first one would be all that is left
    public async Task Read_LastSegmentDroppedAtABoundary_ThrowsIntegrity(int size)
    {
        var content = RandomBytes(size);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);
        var (lastOffset, _) = SealedBlobs.SegmentRange(content.Length, S, (size - 1) / S);
        var truncated = stored[..lastOffset];
        // The cut leaves a length a writer could have produced: only the last-segment flag can tell.
        Assert.Equal(SealedFormat.StoredLength((size - 1) / S * S, S), truncated.Length);

        _blobs.Overwrite(blob, truncated);

        await AssertFailsAsync(blob, content, "last segment dropped");
    }

    [Fact]
    public async Task Read_TruncatedAtEveryLength_ThrowsIntegrity()
    {
        var content = RandomBytes(2 * S + 100);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);

        for (var length = 0; length < stored.Length; length++)
            await AssertBytesFailAsync(stored[..length], blob.DataKey, content, $"truncated to {length} of {stored.Length} bytes");
    }

    [Fact]
    public async Task Read_TruncatedInsideTheLastSegmentOnDisk_ThrowsIntegrity()
    {
        var content = RandomBytes(10 * S + 300);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);

        _blobs.Overwrite(blob, stored[..^100]);

        await AssertFailsAsync(blob, content, "cut 100 bytes short");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(S)]
    public async Task Read_EmptyBlobDamagedOrTruncatedNonEmptyBlob_ThrowsIntegrity(int size)
    {
        // A sealed empty blob is a header and one 16-byte tag; its tag must be checked too, or a
        // blob cut down to header + 16 bytes would read as a complete empty file.
        var content = RandomBytes(size);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);
        var damaged = size == 0
            ? SealedBlobs.FlipBit(stored, SealedFormat.HeaderSize + 4)
            : stored[..(SealedFormat.HeaderSize + SealedFormat.TagSize)];

        _blobs.Overwrite(blob, damaged);

        await AssertFailsAsync(blob, content, size == 0 ? "empty blob with a damaged tag" : "cut to header + one tag");
    }

    [Fact]
    public async Task Read_TwoSegmentsSwapped_ThrowsIntegrity()
    {
        var content = RandomBytes(10 * S + 300);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);
        var (second, _) = SealedBlobs.SegmentRange(content.Length, S, 2);
        var (fifth, _) = SealedBlobs.SegmentRange(content.Length, S, 5);

        var swapped = Splice(Splice(stored, second, Segment(stored, content.Length, 5)), fifth, Segment(stored, content.Length, 2));
        _blobs.Overwrite(blob, swapped);

        await AssertFailsAsync(blob, content, "segments 2 and 5 swapped");
    }

    [Fact]
    public async Task Read_MiddleSegmentRemovedOrDuplicated_ThrowsIntegrity()
    {
        var content = RandomBytes(10 * S + 300);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);
        var (third, length) = SealedBlobs.SegmentRange(content.Length, S, 3);
        var (fourth, _) = SealedBlobs.SegmentRange(content.Length, S, 4);

        await AssertBytesFailAsync([.. stored[..third], .. stored[(third + length)..]], blob.DataKey, content, "segment 3 removed");
        await AssertBytesFailAsync(Splice(stored, fourth, Segment(stored, content.Length, 3)), blob.DataKey, content, "segment 3 copied over 4");
        await AssertBytesFailAsync([.. stored[..fourth], .. Segment(stored, content.Length, 3), .. stored[fourth..]], blob.DataKey, content,
            "segment 3 inserted twice");
    }

    [Fact]
    public async Task Read_SegmentFromAnotherBlobOfTheSameSizeAndContent_ThrowsIntegrity()
    {
        var content = RandomBytes(10 * S + 300);
        var blob = await _blobs.SealAsync(content);
        var other = await _blobs.SealAsync(content); // same content, same size: only its key and nonce prefix differ
        var stored = _blobs.StoredBytes(blob);
        var otherStored = _blobs.StoredBytes(other);
        var (fourth, _) = SealedBlobs.SegmentRange(content.Length, S, 4);
        var (last, _) = SealedBlobs.SegmentRange(content.Length, S, 10);

        await AssertBytesFailAsync(Splice(stored, fourth, Segment(otherStored, content.Length, 4)), blob.DataKey, content,
            "segment 4 from another blob");
        await AssertBytesFailAsync(Splice(stored, last, Segment(otherStored, content.Length, 10)), blob.DataKey, content,
            "last segment from another blob");
        await AssertBytesFailAsync(Splice(stored, 0, otherStored[..SealedFormat.HeaderSize]), blob.DataKey, content,
            "header from another blob");
        await AssertBytesFailAsync(otherStored, blob.DataKey, content, "the other blob's bytes under this blob's key");
    }

    [Theory]
    [InlineData(10 * S + 300)]
    [InlineData(10 * S)]
    [InlineData(0)]
    public async Task Read_ExtraSegmentAppended_ThrowsIntegrity(int size)
    {
        var content = RandomBytes(size);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);
        var donor = await _blobs.SealAsync(RandomBytes(S, seed: 99));
        var donorStored = _blobs.StoredBytes(donor);

        _blobs.Overwrite(blob, [.. stored, .. Segment(stored, size, 0)]);
        await AssertFailsAsync(blob, content, "first segment appended again");

        await AssertBytesFailAsync([.. stored, .. donorStored[SealedFormat.HeaderSize..]], blob.DataKey, content,
            "another blob's last segment appended");
        foreach (var extra in new[] { 1, SealedFormat.TagSize, SealedFormat.TagSize + 1, S + SealedFormat.TagSize })
            await AssertBytesFailAsync([.. stored, .. RandomBytes(extra, extra)], blob.DataKey, content, $"{extra} random bytes appended");
    }

    [Fact]
    public async Task Read_WrongDataKey_ThrowsIntegrity()
    {
        var content = RandomBytes(3 * S);
        var blob = await _blobs.SealAsync(content);

        await Reads.AssertFailsWithoutWrongBytesAsync(
            () => _blobs.OpenAsync(blob, dataKey: RandomNumberGenerator.GetBytes(SealedFormat.KeySize)), content, "wrong data key");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Read_DamageInALaterSegment_EarlierReadsSucceedAndTheReadThatReachesItThrows(bool async)
    {
        var content = RandomBytes(10 * S);
        var blob = await _blobs.SealAsync(content);
        var (sixth, _) = SealedBlobs.SegmentRange(content.Length, S, 6);
        _blobs.Overwrite(blob, SealedBlobs.FlipBit(_blobs.StoredBytes(blob), sixth + 17));

        await using var opened = await _blobs.OpenAsync(blob);
        for (var i = 0; i < 6; i++)
            Assert.Equal(content[(i * S)..((i + 1) * S)], await Reads.ReadUpToAsync(opened, S, async, S));
        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => Reads.ReadUpToAsync(opened, S, async, S));

        Assert.Equal(blob.Key, error.Blob);
        Assert.Contains("segment 6", error.Message, StringComparison.Ordinal);
        Assert.Equal(6 * S, opened.Position); // nothing of the bad segment was handed out
        await Assert.ThrowsAsync<BlobIntegrityException>(() => Reads.ReadUpToAsync(opened, 1, async, 1)); // and it stays refused
        opened.Position = 8 * S; // a range past the damage only touches good segments
        Assert.Equal(content[(8 * S)..], await Reads.ReadUpToAsync(opened, 2 * S, async, S));
    }

    [Fact]
    public async Task PipelineCopyTo_DamageInALaterSegment_CopyThrowsAfterOnlyTrueBytes()
    {
        // What a download does: copy the opened stream into the response. The copy must throw
        // (the server then aborts the response) after sending only the good segments before it.
        const int segment = 1 << SealedFormat.DefaultSegmentLog2;
        await using var h = await StartAsync();
        await using var s = h.Scope();
        var pipeline = s.Get<BlobPipeline>();
        var content = RandomBytes(5 * segment);
        var stored = await pipeline.StoreAsync(Guid.NewGuid(), new MemoryStream(content), maxBytes: 0, Ct);
        var path = h.BlobPath(stored.Key);
        var offset = SealedFormat.HeaderSize + 3 * (segment + SealedFormat.TagSize) + 1000;
        await File.WriteAllBytesAsync(path, SealedBlobs.FlipBit(await File.ReadAllBytesAsync(path, Ct), offset), Ct);

        await using var opened = await pipeline.OpenAsync(SealedRoundTripTests.ToBlob(stored), Ct);
        using var response = new MemoryStream();
        var error = await Assert.ThrowsAsync<BlobIntegrityException>(() => opened.CopyToAsync(response, Ct));

        Assert.Equal(stored.Key, error.Blob);
        Assert.True(response.Length <= 3 * segment, $"{response.Length} bytes were sent before a failure in segment 3.");
        Assert.Equal(content[..(int)response.Length], response.ToArray());
    }

    [Fact]
    public async Task PipelineOpen_StoredFilesOfTwoBlobsSwapped_ThrowsIntegrity()
    {
        // Both rows keep their own wrapped keys; the data key is bound to its blob, so the other
        // blob's file cannot be read through this row.
        await using var h = await StartAsync();
        await using var s = h.Scope();
        var pipeline = s.Get<BlobPipeline>();
        var a = RandomBytes(200_000, seed: 1);
        var b = RandomBytes(200_000, seed: 2);
        var storedA = await pipeline.StoreAsync(Guid.NewGuid(), new MemoryStream(a), maxBytes: 0, Ct);
        var storedB = await pipeline.StoreAsync(Guid.NewGuid(), new MemoryStream(b), maxBytes: 0, Ct);
        var pathA = h.BlobPath(storedA.Key);
        var pathB = h.BlobPath(storedB.Key);
        var bytesA = await File.ReadAllBytesAsync(pathA, Ct);
        await File.WriteAllBytesAsync(pathA, await File.ReadAllBytesAsync(pathB, Ct), Ct);
        await File.WriteAllBytesAsync(pathB, bytesA, Ct);

        await Reads.AssertFailsWithoutWrongBytesAsync(() => pipeline.OpenAsync(SealedRoundTripTests.ToBlob(storedA), Ct), a, "A's row, B's file");
        await Reads.AssertFailsWithoutWrongBytesAsync(() => pipeline.OpenAsync(SealedRoundTripTests.ToBlob(storedB), Ct), b, "B's row, A's file");

        // Swapping the wrapped keys too (same KEK) would hand A's row B's content, but each data
        // key unwraps only under its own blob's id.
        var aWithBsFileAndKey = SealedRoundTripTests.ToBlob(storedA);
        aWithBsFileAndKey.WrappedKey = storedB.WrappedKey;
        Assert.Equal(storedA.KeyId, storedB.KeyId);
        await Assert.ThrowsAnyAsync<CryptographicException>(() => pipeline.OpenAsync(aWithBsFileAndKey, Ct));
    }

    [Fact]
    public async Task PipelineOpen_WrongKekUnderTheSameId_ThrowsCryptographic()
    {
        await using var h = await StartAsync();
        await using var s = h.Scope();
        var store = s.Get<IBlobStore>();
        var content = RandomBytes(100_000);
        var stored = await s.Get<BlobPipeline>().StoreAsync(Guid.NewGuid(), new MemoryStream(content), maxBytes: 0, Ct);
        var impostor = new LocalKeyVault(
            new Dictionary<string, byte[]> { [stored.KeyId!] = RandomNumberGenerator.GetBytes(SealedFormat.KeySize) }, stored.KeyId, "test");
        var pipeline = new BlobPipeline(store, impostor, Options.Create(new EncryptionOptions()));

        var error = await Assert.ThrowsAnyAsync<CryptographicException>(() => pipeline.OpenAsync(SealedRoundTripTests.ToBlob(stored), Ct));

        Assert.IsNotType<BlobIntegrityException>(error); // it fails at the key, before any content is read
    }

    [Fact]
    public async Task PipelineOpen_WrappedKeyUnderAnotherBlobsId_ThrowsCryptographic()
    {
        await using var h = await StartAsync();
        await using var s = h.Scope();
        var pipeline = s.Get<BlobPipeline>();
        var a = await pipeline.StoreAsync(Guid.NewGuid(), new MemoryStream(RandomBytes(5000, 1)), maxBytes: 0, Ct);
        var b = await pipeline.StoreAsync(Guid.NewGuid(), new MemoryStream(RandomBytes(5000, 2)), maxBytes: 0, Ct);

        var aUnderBsId = SealedRoundTripTests.ToBlob(a);
        aUnderBsId.Id = b.Id;
        var aWithBsKey = SealedRoundTripTests.ToBlob(a);
        aWithBsKey.WrappedKey = b.WrappedKey;

        await Assert.ThrowsAnyAsync<CryptographicException>(() => pipeline.OpenAsync(aUnderBsId, Ct));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => pipeline.OpenAsync(aWithBsKey, Ct));
        await using var control = await pipeline.OpenAsync(SealedRoundTripTests.ToBlob(a), Ct);
        Assert.Equal(RandomBytes(5000, 1), await Reads.ReadAllAsync(control));
    }
}
