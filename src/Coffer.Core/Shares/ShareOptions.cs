namespace Coffer.Core.Shares;

/// <summary>What owners may choose for their share links (<c>Coffer:Shares</c>).</summary>
public sealed class ShareOptions
{
    public const string Section = "Coffer:Shares";

    /// <summary>How long a link lives when its owner does not say.</summary>
    public const int DefaultExpiryDays = 7;

    /// <summary>The longest expiry an owner may choose, in days (the administrator's maximum).</summary>
    public int MaxExpiryDays { get; set; } = 365;
}
