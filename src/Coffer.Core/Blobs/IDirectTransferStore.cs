namespace Coffer.Core.Blobs;

/// <summary>
/// A store that clients can reach without the server in the path (S3 and its kin): the server
/// hands out short-lived pre-signed URLs for the parts of a multipart upload and for downloads,
/// then checks what arrived. Only for blobs stored in plaintext: the server cannot seal bytes
/// it never sees.
/// </summary>
public interface IDirectTransferStore
{
    /// <summary>The scheme, host and port pre-signed URLs point at (browsers must be allowed to connect there).</summary>
    Uri ClientOrigin { get; }

    /// <summary>The smallest part a multipart upload accepts, except the last one.</summary>
    long MinPartBytes { get; }

    /// <summary>Starts a multipart upload under <paramref name="key"/>; returns the store's upload id.</summary>
    Task<string> StartMultipartUploadAsync(string key, CancellationToken cancellationToken);

    /// <summary>A URL that accepts one PUT of part <paramref name="partNumber"/> (1-based) until <paramref name="expires"/>.</summary>
    Uri PresignUploadPart(string key, string uploadId, int partNumber, DateTimeOffset expires);

    /// <summary>Joins the uploaded parts into the blob; the blob exists under its key afterwards.</summary>
    Task CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken);

    /// <summary>Discards a multipart upload and its parts; aborting a finished or unknown one is not an error.</summary>
    Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken);

    /// <summary>The stored size of a completed blob, or null when there is none under the key.</summary>
    Task<long?> SizeOfAsync(string key, CancellationToken cancellationToken);

    /// <summary>A URL that GETs the blob (Range allowed) until <paramref name="expires"/>, sent as an attachment named <paramref name="fileName"/>.</summary>
    Uri PresignDownload(string key, string fileName, string contentType, DateTimeOffset expires);
}

/// <summary>A part the client uploaded: its number and the ETag the store answered with.</summary>
public sealed record UploadedPart(int Number, string ETag);

/// <summary>
/// A store where interrupted multipart uploads leave parts behind (they cost space but are
/// invisible as blobs); a background job sweeps them.
/// </summary>
public interface IMultipartSweeper
{
    /// <summary>Aborts every multipart upload under the store's keys started before <paramref name="startedBefore"/>; returns how many.</summary>
    Task<int> AbortUploadsStartedBeforeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken);
}
