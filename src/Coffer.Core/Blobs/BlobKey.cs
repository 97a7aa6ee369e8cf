using System.Text.RegularExpressions;

namespace Coffer.Core.Blobs;

/// <summary>Blob keys are built only from server-generated ids, never from names users choose.</summary>
public static partial class BlobKey
{
    public static string For(Guid ownerId, Guid blobId) => $"u/{ownerId:N}/{blobId:N}";

    /// <summary>The owner a valid key was made for.</summary>
    public static Guid OwnerOf(string key) =>
        IsValid(key) ? Guid.ParseExact(key.AsSpan(2, 32), "N") : throw new ArgumentException($"'{key}' is not a blob key.", nameof(key));

    /// <summary>True for keys of the form this class makes; stores refuse anything else.</summary>
    public static bool IsValid(string key) => Shape().IsMatch(key);

    [GeneratedRegex("^u/[0-9a-f]{32}/[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
