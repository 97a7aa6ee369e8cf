using Coffer.Core.Crypto;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Crypto;

/// <summary>
/// Generated damage to generated sealed blobs — any byte changed in any way, a cut at any length,
/// any number of bytes appended — always fails the read with <see cref="BlobIntegrityException"/>
/// and never hands out a byte that is not the content.
/// </summary>
public sealed class TamperingProperties : IDisposable
{
    private const int S = SealedBlobs.S;
    private readonly SealedBlobs _blobs = new();

    public void Dispose() => _blobs.Dispose();

    public enum DamageKind
    {
        ByteChanged,
        Truncated,
        Appended,
    }

    public sealed record Damage(int Size, int Seed, DamageKind Kind, int Position, int Xor)
    {
        public override string ToString() => Kind switch
        {
            DamageKind.ByteChanged => $"{Size}-byte blob, stored byte {Position} xor {Xor}",
            DamageKind.Truncated => $"{Size}-byte blob cut to {Position} stored bytes",
            _ => $"{Size}-byte blob with {Position} bytes appended",
        };
    }

    public static class Generators
    {
        public static Arbitrary<Damage> Damage()
        {
            var gen =
                from size in Gen.Frequency((3, Gen.Choose(0, 6 * S)), (2, Gen.Choose(0, 6).Select(k => k * S)), (1, Gen.Choose(0, 2)))
                let stored = (int)SealedFormat.StoredLength(size, S)
                from seed in Gen.Choose(0, int.MaxValue)
                from kind in Gen.Elements(DamageKind.ByteChanged, DamageKind.Truncated, DamageKind.Appended)
                from position in kind switch
                {
                    DamageKind.Appended => Gen.Frequency((3, Gen.Choose(1, 2 * S + 40)), (1, Gen.Elements(S + SealedFormat.TagSize, SealedFormat.TagSize))),
                    // Cuts at segment boundaries leave lengths a writer could have produced: only the last-segment flag tells.
                    DamageKind.Truncated => Gen.Frequency((3, Gen.Choose(0, stored - 1)),
                        (1, Gen.Choose(0, (stored - SealedFormat.HeaderSize) / (S + SealedFormat.TagSize))
                            .Select(k => Math.Min(stored - 1, SealedFormat.HeaderSize + k * (S + SealedFormat.TagSize))))),
                    _ => Gen.Choose(0, stored - 1),
                }
                from xor in Gen.Choose(1, 255)
                select new Damage(size, seed, kind, position, xor);
            return gen.ToArbitrary();
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(Generators)])]
    public async Task Read_AnyDamage_ThrowsIntegrityWithoutWrongBytes(Damage damage)
    {
        var content = RandomBytes(damage.Size, damage.Seed);
        var blob = await _blobs.SealAsync(content);
        var stored = _blobs.StoredBytes(blob);

        var damaged = damage.Kind switch
        {
            DamageKind.ByteChanged => SealedBlobs.Xor(stored, damage.Position, (byte)damage.Xor),
            DamageKind.Truncated => stored[..damage.Position],
            _ => [.. stored, .. RandomBytes(damage.Position, damage.Seed ^ 0x5a5a)],
        };

        await Reads.AssertFailsWithoutWrongBytesAsync(() => SealedBlobs.OpenBytesAsync(damaged, blob.DataKey), content, damage.ToString());
    }
}
