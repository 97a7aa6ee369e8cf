using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Coffer.Core.Crypto;

/// <summary>
/// The layout of an encrypted blob (version 1), a STREAM construction over AES-256-GCM:
/// <code>
/// header  (16 bytes)  "CFRB" | version 1 | log2(segment size) | 3 zero bytes | 7-byte random nonce prefix
/// segment (S + 16)    AES-GCM(data key, nonce = prefix | segment index (u32, big-endian) | last ? 1 : 0,
///                             associated data = the header) → ciphertext | 16-byte tag
/// ... the last segment holds 0..S plaintext bytes (0 only when the whole blob is empty).
/// </code>
/// Each segment's nonce binds its position and whether it ends the blob, and every segment
/// authenticates the header; with a fresh random data key per blob, a segment that is moved,
/// dropped, swapped in from another blob, altered, or a blob cut short at a segment boundary
/// fails authentication. Segment i starts at 16 + i·(S + 16), so a Range read decrypts only the
/// segments it touches.
/// </summary>
public static class SealedFormat
{
    public const int HeaderSize = 16;
    public const int TagSize = 16;
    public const int NonceSize = 12;
    public const int KeySize = 32;
    private const int PrefixSize = 7;
    private const byte Version = 1;
    private static ReadOnlySpan<byte> Magic => "CFRB"u8;

    /// <summary>64 KiB segments: the per-segment cost (16 bytes, one tag check) is ~0.02%, and a 1-byte Range reads 64 KiB.</summary>
    public const int DefaultSegmentLog2 = 16;

    /// <summary>A new header for a blob: the format version, the segment size, and a random nonce prefix.</summary>
    public static byte[] NewHeader(int segmentLog2 = DefaultSegmentLog2)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        header[4] = Version;
        header[5] = (byte)segmentLog2;
        RandomNumberGenerator.Fill(header.AsSpan(HeaderSize - PrefixSize));
        return header;
    }

    /// <summary>The plaintext segment size a header declares; throws <see cref="BlobIntegrityException"/> for anything else.</summary>
    public static int SegmentSize(ReadOnlySpan<byte> header)
    {
        if (header.Length != HeaderSize || !header[..4].SequenceEqual(Magic))
            throw new BlobIntegrityException("it does not start with an encrypted-blob header");
        if (header[4] != Version)
            throw new BlobIntegrityException($"its format version {header[4]} is unknown");
        if (header[5] is < 10 or > 24 || header[6] != 0 || header[7] != 0 || header[8] != 0)
            throw new BlobIntegrityException("its header is damaged");
        return 1 << header[5];
    }

    public static void Nonce(ReadOnlySpan<byte> header, long segment, bool last, Span<byte> nonce)
    {
        if (segment > uint.MaxValue)
            throw new InvalidOperationException("A blob cannot have more than 2^32 segments.");
        header[(HeaderSize - PrefixSize)..].CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[PrefixSize..], (uint)segment);
        nonce[NonceSize - 1] = last ? (byte)1 : (byte)0;
    }

    /// <summary>Bytes stored for <paramref name="plainLength"/> bytes of content.</summary>
    public static long StoredLength(long plainLength, int segmentSize)
    {
        var segments = Math.Max(1, (plainLength + segmentSize - 1) / segmentSize);
        return HeaderSize + plainLength + segments * TagSize;
    }

    /// <summary>
    /// The content length and segment count of a stored blob of <paramref name="storedLength"/>
    /// bytes; a length no writer produces (a cut inside a segment) is reported as damage.
    /// </summary>
    public static (long PlainLength, long Segments) PlainLength(long storedLength, int segmentSize)
    {
        var body = storedLength - HeaderSize;
        var stride = segmentSize + TagSize;
        var segments = (body + stride - 1) / stride;
        var last = body - (segments - 1) * stride;
        if (segments < 1 || last < TagSize || (segments > 1 && last == TagSize))
            throw new BlobIntegrityException("it is shorter than its segments say (truncated)");
        return (body - segments * TagSize, segments);
    }
}

/// <summary>
/// An encrypted blob failed authentication: altered, truncated, reordered, from another blob, or
/// read with the wrong key. Never answered with wrong bytes: the read stops here.
/// </summary>
public sealed class BlobIntegrityException(string what, string? blob = null)
    : CryptographicException($"The stored blob {blob ?? "(unnamed)"} failed its integrity check: {what}.")
{
    /// <summary>What was wrong, without the blob's name.</summary>
    public string What { get; } = what;

    /// <summary>The blob's store key, when known.</summary>
    public string? Blob { get; } = blob;
}
