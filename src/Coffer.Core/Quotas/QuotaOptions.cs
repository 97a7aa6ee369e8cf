namespace Coffer.Core.Quotas;

/// <summary>Storage quotas (<c>Coffer:Quota</c>).</summary>
public sealed class QuotaOptions
{
    public const string Section = "Coffer:Quota";

    /// <summary>Each user's quota in bytes unless an admin set theirs; 0 means no quota.</summary>
    public long DefaultBytes { get; set; }
}
