namespace Coffer.Core.Drive;

/// <summary>
/// How many earlier contents of a file are kept (<c>Coffer:Versions</c>). A user's own
/// <c>VersionKeepLast</c>/<c>VersionKeepDays</c> override these defaults. The current content is
/// never pruned, whatever the rules say.
/// </summary>
public sealed class VersionOptions
{
    public const string Section = "Coffer:Versions";

    /// <summary>Versions kept per file, the current one included; 0 means no count limit.</summary>
    public int KeepLast { get; set; } = 25;

    /// <summary>Earlier versions older than this many days are pruned; 0 means no age limit.</summary>
    public int KeepDays { get; set; } = 30;
}

/// <summary>How long deleted items wait in the trash before they are purged (<c>Coffer:Trash</c>).</summary>
public sealed class TrashOptions
{
    public const string Section = "Coffer:Trash";

    /// <summary>Days an item stays in the trash; 0 means it stays until its owner empties it.</summary>
    public int RetentionDays { get; set; } = 30;
}
