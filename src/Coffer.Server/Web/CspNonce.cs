using System.Security.Cryptography;
using Coffer.Core.Drive;

namespace Coffer.Server.Web;

/// <summary>
/// A fresh random value per page response. Only script and style tags carrying it run (with
/// 'strict-dynamic', the modules they import too), so even a file of the user's served from this
/// origin as JavaScript or CSS could not be pulled into a page by injected markup.
/// </summary>
public static class CspNonce
{
    private static readonly object Key = new();

    public static string Get(HttpContext context)
    {
        if (context.Items[Key] is string nonce)
            return nonce;
        nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[Key] = nonce;
        return nonce;
    }

    /// <summary>
    /// The page policy: nothing inline, nothing from elsewhere, scripts and styles by nonce only, no
    /// plugins or framing. The one exception: where direct uploads are offered, scripts may send to
    /// the object store's origin (the pre-signed part URLs).
    /// </summary>
    public static string PagePolicy(HttpContext context)
    {
        var nonce = Get(context);
        var store = context.RequestServices.GetRequiredService<DirectTransfers>().UploadOrigin is { } origin ? " " + origin : "";
        return $"default-src 'none'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'nonce-{nonce}'; img-src 'self' data: blob:; media-src 'self'; frame-src 'self'; " +
            $"font-src 'self'; connect-src 'self'{store}; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    }
}
