namespace Coffer.Core;

/// <summary>Where Coffer keeps its embedded database, local blobs and generated keys (<c>Coffer:DataDir</c>).</summary>
public sealed class DataDirOptions
{
    public const string Section = "Coffer";

    public string DataDir { get; set; } = "./data";

    public string FullPath => Path.GetFullPath(DataDir);
}

public enum RegistrationMode
{
    Open,
    Closed,
}

/// <summary>Who may create an account (<c>Coffer:Registration</c>).</summary>
public sealed class AccountOptions
{
    public const string Section = "Coffer";

    public RegistrationMode Registration { get; set; } = RegistrationMode.Open;
}

/// <summary>Size limits on what people store (<c>Coffer:Limits</c>).</summary>
public sealed class LimitsOptions
{
    public const string Section = "Coffer:Limits";

    /// <summary>The largest single file in bytes; 0 means no limit.</summary>
    public long MaxUploadBytes { get; set; }
}
