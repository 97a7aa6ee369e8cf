using SkiaSharp;

namespace Coffer.Core.Previews;

/// <summary>A made thumbnail: WebP bytes and the picture's size.</summary>
public sealed record ThumbnailPicture(byte[] WebP, int Width, int Height);

/// <summary>
/// Makes thumbnails of JPEG, PNG, GIF (first frame) and WebP images with SkiaSharp: upright
/// (EXIF orientation applied), fitted into <see cref="MaxEdge"/> pixels, encoded as WebP.
/// Untrusted input is checked before it is decoded: the dimensions come from the header, and an
/// image whose decode would need more than <see cref="MaxDecodedPixels"/> is refused (a
/// "decompression bomb" is a few kilobytes that claim 50,000 × 50,000 pixels).
/// </summary>
public static class ThumbnailImage
{
    public const int MaxEdge = 320;

    /// <summary>The most pixels decoded for one thumbnail (about 100 MB of RGBA).</summary>
    public const long MaxDecodedPixels = 25_000_000;

    /// <summary>The largest header-claimed size accepted at all, even when the codec could decode it scaled down.</summary>
    public const long MaxSourcePixels = 200_000_000;

    private const int WebPQuality = 80;

    /// <summary>The picture, or null when the bytes are not an image Skia decodes or are too big to decode safely.</summary>
    public static ThumbnailPicture? Make(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            return null;
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxSourcePixels)
            return null;

        // JPEG and WebP decoders can scale while decoding (far less memory); others return the full size.
        var scale = Math.Min(1f, (float)MaxEdge / Math.Max(info.Width, info.Height));
        var decodeSize = codec.GetScaledDimensions(scale);
        if (decodeSize.Width <= 0 || decodeSize.Height <= 0 || (long)decodeSize.Width * decodeSize.Height > MaxDecodedPixels)
            return null;

        var decodeInfo = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(decodeInfo);
        var result = codec.GetPixels(decodeInfo, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            return null;

        return Encode(decoded, codec.EncodedOrigin);
    }

    /// <summary>Scales the decoded picture into the box and turns it upright in one draw.</summary>
    private static ThumbnailPicture? Encode(SKBitmap decoded, SKEncodedOrigin origin)
    {
        var sideways = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (uprightWidth, uprightHeight) = sideways ? (decoded.Height, decoded.Width) : (decoded.Width, decoded.Height);
        var fit = Math.Min(1f, (float)MaxEdge / Math.Max(uprightWidth, uprightHeight));
        var width = Math.Max(1, (int)Math.Round(uprightWidth * fit));
        var height = Math.Max(1, (int)Math.Round(uprightHeight * fit));

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (surface is null)
            return null;
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.Transparent);
        canvas.Scale((float)width / uprightWidth, (float)height / uprightHeight);
        canvas.Concat(OrientationMatrix(origin, decoded.Width, decoded.Height));
        using (var image = SKImage.FromBitmap(decoded))
        {
            using var paint = new SKPaint();
            canvas.DrawImage(image, new SKRect(0, 0, decoded.Width, decoded.Height),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
        }
        canvas.Flush();
        using var snapshot = surface.Snapshot();
        using var webp = snapshot.Encode(SKEncodedImageFormat.Webp, WebPQuality);
        return webp is null ? null : new ThumbnailPicture(webp.ToArray(), width, height);
    }

    /// <summary>
    /// Maps the stored pixels (w × h) to upright ones, per the EXIF orientation tag: the stored
    /// image's top-left corner is where <paramref name="origin"/> says it belongs.
    /// </summary>
    internal static SKMatrix OrientationMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}
