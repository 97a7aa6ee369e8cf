using System.Buffers.Binary;
using Coffer.Core.Previews;
using SkiaSharp;

namespace Coffer.Core.Tests.Previews;

/// <summary>Thumbnails are upright, fit the box, and untrusted images cannot make the decoder run away.</summary>
public sealed class ThumbnailImageTests
{
    /// <summary>An image whose left half is red and right half blue, encoded in <paramref name="format"/>.</summary>
    internal static byte[] Image(int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Red);
            using var blue = new SKPaint { Color = SKColors.Blue };
            canvas.DrawRect(width / 2f, 0, width / 2f, height, blue);
        }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    private static SKBitmap Decode(ThumbnailPicture picture)
    {
        var bitmap = SKBitmap.Decode(picture.WebP);
        Assert.NotNull(bitmap);
        Assert.Equal((picture.Width, picture.Height), (bitmap.Width, bitmap.Height));
        return bitmap;
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void Make_LargeImage_FitsTheBoxKeepingTheAspect(SKEncodedImageFormat format)
    {
        var picture = ThumbnailImage.Make(Image(1600, 800, format));

        Assert.NotNull(picture);
        Assert.Equal((320, 160), (picture.Width, picture.Height));
        using var bitmap = Decode(picture);
        Assert.True(bitmap.GetPixel(20, 80).Red > 200);
        Assert.True(bitmap.GetPixel(300, 80).Blue > 200);
    }

    [Fact]
    public void Make_SmallImage_IsNotEnlarged()
    {
        var picture = ThumbnailImage.Make(Image(40, 30));

        Assert.NotNull(picture);
        Assert.Equal((40, 30), (picture.Width, picture.Height));
    }

    [Fact]
    public void Make_Gif_UsesTheFirstFrame()
    {
        var picture = ThumbnailImage.Make(Gif());

        Assert.NotNull(picture);
        Assert.Equal((2, 1), (picture.Width, picture.Height));
        using var bitmap = Decode(picture);
        Assert.True(bitmap.GetPixel(0, 0).Red > 200, "the first frame is red");
    }

    [Theory]
    [InlineData(1, 320, 160, false)] // as stored: red left, blue right
    [InlineData(3, 320, 160, true)] // turned 180°: blue left
    [InlineData(6, 160, 320, false)] // turned 90° clockwise to view: the stored left (red) is on top
    [InlineData(8, 160, 320, true)] // turned 90° anticlockwise: the stored left (red) is at the bottom
    public void Make_ExifOrientation_IsApplied(int orientation, int width, int height, bool blueFirst)
    {
        var jpeg = WithExifOrientation(Image(1600, 800, SKEncodedImageFormat.Jpeg), orientation);

        var picture = ThumbnailImage.Make(jpeg);

        Assert.NotNull(picture);
        Assert.Equal((width, height), (picture.Width, picture.Height));
        using var bitmap = Decode(picture);
        var first = width > height ? bitmap.GetPixel(20, height / 2) : bitmap.GetPixel(width / 2, 20);
        Assert.True(blueFirst ? first.Blue > 200 : first.Red > 200, $"the first corner is {first}");
    }

    [Fact]
    public void Make_NotAnImage_IsNull()
    {
        Assert.Null(ThumbnailImage.Make("GIF89a this is not really a picture"u8));
        Assert.Null(ThumbnailImage.Make([]));
        var cut = Image(400, 400, SKEncodedImageFormat.Png)[..40];
        Assert.Null(ThumbnailImage.Make(cut));
    }

    [Fact]
    public void Make_DecompressionBomb_IsRefusedFromTheHeader()
    {
        // A few dozen bytes that claim 50,000 × 50,000 pixels (10 GB decoded).
        Assert.Null(ThumbnailImage.Make(PngHeader(50_000, 50_000)));
        // 6,000 × 6,000 is under the source cap, but a PNG cannot be decoded scaled down: 36 M pixels is over the decode cap.
        Assert.Null(ThumbnailImage.Make(PngHeader(6_000, 6_000)));
    }

    /// <summary>A 2×1 GIF89a with two frames (red, then blue).</summary>
    private static byte[] Gif() =>
    [
        .. "GIF89a"u8, 2, 0, 1, 0, 0xF0, 0, 0, // screen 2×1, global table of 2 colours
        0xFF, 0, 0, 0, 0, 0xFF, // red, blue
        0x21, 0xF9, 4, 0, 10, 0, 0, 0, // graphic control: 0.1 s
        0x2C, 0, 0, 0, 0, 2, 0, 1, 0, 0, 2, 2, 0x04, 0x0A, 0, // frame 1: both pixels colour 0 (LZW: clear, 0, 0, end)
        0x21, 0xF9, 4, 0, 10, 0, 0, 0,
        0x2C, 0, 0, 0, 0, 2, 0, 1, 0, 0, 2, 2, 0x4C, 0x0A, 0, // frame 2: colour 1
        0x3B,
    ];

    /// <summary>A PNG signature and IHDR (RGBA, 8 bit) for the given size, then an empty IDAT and IEND: enough for a header read.</summary>
    internal static byte[] PngHeader(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 6;
        return [.. PngSignature, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]), .. Chunk("IEND", [])];
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>The JPEG with an EXIF APP1 segment holding just the orientation tag, right after its SOI marker.</summary>
    internal static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD at 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, // Orientation, SHORT, 1 value
            0, 0, 0, 0, // no next IFD
        ];
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        var length = payload.Length + 2;
        byte[] app1 = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }
}
