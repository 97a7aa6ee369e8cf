using Coffer.Core.Crypto;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// Over generated blobs (sizes clustered around segment boundaries, two segment sizes), generated
/// ways of cutting the plaintext into writes, and generated reads (any offset, past the end too,
/// any length, any seek origin, sync or async, any buffer size, one after another on the same
/// stream so the segment cache is exercised): every read returns exactly the plaintext slice.
/// </summary>
public sealed class SealedRoundTripProperties : IDisposable
{
    private readonly SealedBlobs _blobs = new();

    public void Dispose() => _blobs.Dispose();

    public sealed record RangeRead(long Offset, int Length, SeekOrigin Origin, bool Async, int Buffer);

    public sealed record SealedCase(int SegmentLog2, int Size, int Seed, int[] Chunks, RangeRead[] Reads)
    {
        public override string ToString() =>
            $"S=2^{SegmentLog2}, {Size} bytes (seed {Seed}), writes of [{string.Join(",", Chunks)}], reads: "
            + string.Join("; ", Reads.Select(r => $"{r.Length}@{r.Offset} from {r.Origin} {(r.Async ? "async" : "sync")} buf {r.Buffer}"));
    }

    public static class Generators
    {
        public static Arbitrary<SealedCase> SealedCase()
        {
            var gen =
                from log2 in Gen.Elements(SealedBlobs.SmallLog2, SealedBlobs.SmallLog2 + 1)
                let s = 1 << log2
                from size in Gen.Frequency(
                    (4, Gen.Choose(0, 8).SelectMany(k => Gen.Choose(-1, 1).Select(d => Math.Max(0, k * s + d)))),
                    (4, Gen.Choose(0, 9 * s)),
                    (1, Gen.Choose(0, 3)))
                from seed in Gen.Choose(0, int.MaxValue)
                from chunkCount in Gen.Choose(1, 6)
                from chunks in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 17)), (6, Gen.Choose(1, 3 * s))).ArrayOf(chunkCount)
                from readCount in Gen.Choose(1, 8)
                from reads in RangeRead(size, s).ArrayOf(readCount)
                select new SealedCase(log2, size, seed, chunks, reads);
            return gen.ToArbitrary();
        }

        private static Gen<RangeRead> RangeRead(int size, int s) =>
            from offset in Gen.Frequency((8, Gen.Choose(0, size)), (1, Gen.Choose(size, size + 2 * s)))
            from length in Gen.Frequency((2, Gen.Choose(0, 3)), (6, Gen.Choose(0, 3 * s)), (1, Gen.Constant(size + s)))
            from origin in Gen.Elements(SeekOrigin.Begin, SeekOrigin.Current, SeekOrigin.End)
            from async in Gen.Elements(true, false)
            from buffer in Gen.Elements(1, 7, 1000, s - 1, s, s + 1, 4 * s)
            select new RangeRead(offset, length, origin, async, buffer);
    }

    [Property(MaxTest = 150, Arbitrary = [typeof(Generators)])]
    public async Task SealThenOpen_AnySizeChunkingAndRanges_ReadsExactlyThePlaintext(SealedCase c)
    {
        var content = RandomBytes(c.Size, c.Seed);
        var segment = 1 << c.SegmentLog2;

        var blob = await _blobs.SealAsync(content, c.SegmentLog2, c.Chunks);

        Assert.Equal(SealedFormat.StoredLength(c.Size, segment), new FileInfo(_blobs.PathOf(blob)).Length);
        await using var opened = await _blobs.OpenAsync(blob);
        Assert.Equal(c.Size, opened.Length);
        foreach (var read in c.Reads)
        {
            switch (read.Origin)
            {
                case SeekOrigin.Begin:
                    opened.Seek(read.Offset, SeekOrigin.Begin);
                    break;
                case SeekOrigin.Current:
                    opened.Seek(read.Offset - opened.Position, SeekOrigin.Current);
                    break;
                default:
                    opened.Seek(read.Offset - c.Size, SeekOrigin.End);
                    break;
            }
            Assert.Equal(read.Offset, opened.Position);
            var got = await Reads.ReadUpToAsync(opened, read.Length, read.Async, read.Buffer);
            var start = (int)Math.Min(read.Offset, c.Size);
            var end = (int)Math.Min(read.Offset + read.Length, c.Size);
            Assert.Equal(content[start..end], got);
            Assert.Equal(read.Offset + got.Length, opened.Position);
        }
        opened.Position = 0;
        Assert.Equal(content, await Reads.ReadAllAsync(opened, bufferSize: segment + 3));
    }
}
