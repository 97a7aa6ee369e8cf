using Coffer.Core;
using Coffer.Core.Drive;
using Coffer.Core.Previews;
using Coffer.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Coffer.Server.Api;

/// <summary>
/// How stored bytes leave the server, whichever door asked (the API, a signed URL, a share
/// page): as a download (attachment), or, when <see cref="PreviewRules"/> allows the type, shown
/// inline under a policy that lets it be framed by Coffer's own pages and run no script.
/// </summary>
public static class ContentResponses
{
    /// <summary>
    /// The bytes with everything a client needs to cache and resume: Range (206/416), a strong
    /// ETag from the content hash (304), Last-Modified, and an RFC 5987 filename. With
    /// <paramref name="inline"/>, a previewable type is sent for display; anything else is still an attachment.
    /// </summary>
    public static FileStreamHttpResult File(HttpRequest request, FileContent file, bool inline = false)
    {
        var length = file.Content.Length;
        if (RangeOutOfBounds(request, length))
        {
            file.Content.Dispose();
            throw new RangeNotSatisfiableException(length);
        }
        var item = file.Item;
        // Revalidated on every use (304 while the ETag holds), and never kept by a shared cache: what
        // a grant or a share's password let through must not outlive them in a proxy.
        request.HttpContext.Response.Headers.CacheControl = "private, no-cache";
        var kind = inline ? PreviewRules.Of(item.Name, item.ContentType) : PreviewKind.None;
        if (kind == PreviewKind.None)
        {
            return TypedResults.Stream(
                file.Content, item.ContentType ?? "application/octet-stream", fileDownloadName: item.Name,
                lastModified: item.Modified, entityTag: ETag(item), enableRangeProcessing: true);
        }

        var disposition = new ContentDispositionHeaderValue("inline");
        disposition.SetHttpFileName(item.Name);
        request.HttpContext.Response.Headers.ContentDisposition = disposition.ToString();
        ContentPolicy.Set(request.HttpContext, kind);
        return TypedResults.Stream(
            file.Content, PreviewRules.InlineContentType(kind, item.ContentType),
            lastModified: item.Modified, entityTag: ETag(item), enableRangeProcessing: true);
    }

    private static EntityTagHeaderValue ETag(Item item) => new($"\"{item.Sha256}\"");

    /// <summary>
    /// A single byte range that starts past the end, answered here so the 416 carries a problem
    /// document like every other error. Anything conditional or unusual is left to the framework.
    /// </summary>
    private static bool RangeOutOfBounds(HttpRequest request, long length)
    {
        var headers = request.GetTypedHeaders();
        if (headers.IfRange is not null || headers.IfNoneMatch.Count > 0 || headers.IfMatch.Count > 0
            || headers.IfModifiedSince is not null || headers.IfUnmodifiedSince is not null)
            return false;
        if (headers.Range is not { Unit.Value: "bytes", Ranges.Count: 1 } range)
            return false;
        var only = range.Ranges.First();
        return only.From is { } from ? from >= length : only.To == 0 || length == 0;
    }
}

/// <summary>
/// The security headers of a response that shows user content inline. Every other non-page
/// response keeps the default: load nothing, never framed, sandboxed.
/// </summary>
public static class ContentPolicy
{
    private static readonly object Key = new();

    public static void Set(HttpContext context, PreviewKind kind) => context.Items[Key] = kind;

    /// <summary>
    /// The CSP for this response, or null when it shows no user content inline. One policy for
    /// every kind, PDF included: Chromium's viewer shows a PDF served with <c>sandbox</c> (the
    /// viewer runs in its own extension frame), so nothing shown inline gets a script-capable
    /// origin. Images, media and the rendered pages' inline style are all it may load.
    /// </summary>
    public static string? For(HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is PreviewKind
            ? "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
            : null;
}
