using System.Threading.RateLimiting;
using Coffer.Core.Shares;
using Microsoft.AspNetCore.DataProtection;

namespace Coffer.Server.Shares;

/// <summary>
/// The password side of public shares. A right password earns a cookie scoped to the share's own
/// path (/s/{token}), holding the share's id and a stamp of its password hash sealed with the
/// data-protection keys, good for an hour: revoking the share or changing its password voids it.
/// Wrong passwords are throttled per share and client address, and per share from all addresses
/// together (so rotating addresses buys an attacker little), with fixed-window limiters from
/// System.Threading.RateLimiting (the engine of ASP.NET Core's rate limiting middleware), which
/// is asked directly because only wrong tries count, not every request.
/// </summary>
public sealed class ShareGate : IDisposable
{
    public const string CookieName = "coffer.share";
    public const int WrongTriesPerWindow = 5;

    /// <summary>Wrong tries a share takes per window from every address together.</summary>
    public const int WrongTriesPerWindowForAll = 30;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan CookieLifetime = TimeSpan.FromHours(1);

    private readonly ITimeLimitedDataProtector _protector;
    private readonly PartitionedRateLimiter<string> _wrongTries = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = key.StartsWith(AllAddresses, StringComparison.Ordinal) ? WrongTriesPerWindowForAll : WrongTriesPerWindow,
            Window = Window,
            QueueLimit = 0,
        }));

    public ShareGate(IDataProtectionProvider protection) =>
        _protector = protection.CreateProtector("Coffer.Shares.Password.v1").ToTimeLimitedDataProtector();

    /// <summary>True when the share has no password, or the request carries this share's proof of the current one.</summary>
    public bool IsAdmitted(HttpContext context, ShareVisit visit)
    {
        if (!ShareService.HasPassword(visit.Share))
            return true;
        if (context.Request.Cookies[CookieName] is not { Length: > 0 and < 2000 } cookie)
            return false;
        try
        {
            return _protector.Unprotect(cookie) == Proof(visit.Share);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false; // altered, expired, or sealed with a key this server no longer has
        }
    }

    public void Admit(HttpContext context, ShareVisit visit, string token) =>
        context.Response.Cookies.Append(CookieName, _protector.Protect(Proof(visit.Share), CookieLifetime), new CookieOptions
        {
            Path = "/s/" + token,
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            MaxAge = CookieLifetime,
            IsEssential = true,
        });

    /// <summary>Null while this client may still try; otherwise how long until it may try again.</summary>
    public TimeSpan? Throttled(HttpContext context, ShareVisit visit)
    {
        foreach (var key in Keys(context, visit))
        {
            using var lease = _wrongTries.AttemptAcquire(key, 0);
            if (!lease.IsAcquired)
                return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
        }
        return null;
    }

    public void RecordWrongTry(HttpContext context, ShareVisit visit)
    {
        foreach (var key in Keys(context, visit))
        {
            using var lease = _wrongTries.AttemptAcquire(key);
        }
    }

    private static string Proof(Share share) => $"{share.Id:N}:{ShareService.PasswordStamp(share)}";

    private const string AllAddresses = "all|";

    private static string[] Keys(HttpContext context, ShareVisit visit) =>
        [$"{visit.Share.TokenHash}|{context.Connection.RemoteIpAddress}", AllAddresses + visit.Share.TokenHash];

    public void Dispose() => _wrongTries.Dispose();
}
