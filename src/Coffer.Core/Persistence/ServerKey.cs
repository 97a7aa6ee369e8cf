namespace Coffer.Core.Persistence;

/// <summary>
/// A secret every instance must share (the download-URL signing key): generated once, kept in
/// the database so instance B verifies what instance A signed.
/// </summary>
public sealed class ServerKey
{
    public required string Name { get; set; }
    /// <summary>The secret, wrapped by <see cref="KeyId"/>'s KEK when that is set (encryption at rest on).</summary>
    public required byte[] Bytes { get; set; }

    public string? KeyId { get; set; }

    public DateTimeOffset Created { get; set; }
}
