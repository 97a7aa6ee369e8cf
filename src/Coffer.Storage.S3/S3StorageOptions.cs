using Microsoft.Extensions.Options;

namespace Coffer.Storage.S3;

/// <summary>
/// Where and how an S3 store keeps blobs (<c>Coffer:Storage:S3</c> for the primary store; the backup
/// store binds the same keys from its own section). Credentials are never options: they come from
/// the standard AWS chain (environment, shared profile, instance or container role), so no secret
/// ends up in a settings file or a log.
/// </summary>
public sealed class S3StorageOptions
{
    public const string Section = "Coffer:Storage:S3";

    /// <summary>S3's smallest part (except the last one of an upload).</summary>
    public const int MinPartSizeBytes = 5 * 1024 * 1024;

    /// <summary>A part is one pooled buffer; above this the memory bound per upload stops being small.</summary>
    public const int MaxPartSizeBytes = 512 * 1024 * 1024;

    public const int MaxParallelParts = 16;

    public string Bucket { get; set; } = "";

    /// <summary>Put before every blob key (say <c>coffer/</c>), so one bucket can hold more than Coffer.</summary>
    public string Prefix { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>The endpoint of a non-AWS store (Ceph RGW, MinIO...); unset for AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Address buckets as <c>host/bucket</c> instead of <c>bucket.host</c> (most non-AWS stores want this).</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>A named profile of the shared AWS credentials/config files; unset uses the default chain.</summary>
    public string? Profile { get; set; }

    /// <summary><c>None</c>, <c>AES256</c> (SSE-S3) or <c>aws:kms</c> (SSE-KMS, with <see cref="KmsKeyId"/> or the bucket's default key).</summary>
    public string ServerSideEncryption { get; set; } = Encryption.None;

    public string? KmsKeyId { get; set; }

    /// <summary>How much of a streamed blob goes in one part; also the size under which a blob is one PUT.</summary>
    public int PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Parts of one upload sent at the same time. Memory per upload is (ParallelParts + 1) × PartSizeBytes.</summary>
    public int ParallelParts { get; set; } = 3;

    /// <summary>The values <see cref="ServerSideEncryption"/> accepts.</summary>
    public static class Encryption
    {
        public const string None = "None";
        public const string Aes256 = "AES256";
        public const string Kms = "aws:kms";
    }
}

/// <summary>
/// Checks <see cref="S3StorageOptions"/> bound from <paramref name="sectionPath"/> (as options named
/// <paramref name="optionsName"/>), naming the key that is wrong, so a bad setting stops start-up with a message.
/// </summary>
public sealed class S3StorageOptionsValidator(string sectionPath = S3StorageOptions.Section, string? optionsName = null)
    : IValidateOptions<S3StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, S3StorageOptions options)
    {
        if ((optionsName ?? Options.DefaultName) != (name ?? Options.DefaultName))
            return ValidateOptionsResult.Skip;
        var problems = Problems(options, sectionPath);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem with <paramref name="options"/>, each naming its key under <paramref name="sectionPath"/>.</summary>
    public static IReadOnlyList<string> Problems(S3StorageOptions options, string sectionPath = S3StorageOptions.Section)
    {
        var problems = new List<string>();
        var parent = sectionPath.Contains(':', StringComparison.Ordinal) ? sectionPath[..sectionPath.LastIndexOf(':')] : sectionPath;
        if (string.IsNullOrWhiteSpace(options.Bucket))
            problems.Add($"{sectionPath}:Bucket is required when {parent}:Provider is S3.");
        if (options.Prefix.StartsWith('/') || options.Prefix.Contains("//", StringComparison.Ordinal))
            problems.Add($"{sectionPath}:Prefix must not start with '/' or contain '//' (say 'coffer/').");
        if (string.IsNullOrWhiteSpace(options.Region))
            problems.Add($"{sectionPath}:Region must name a region (us-east-1 for most non-AWS stores).");
        if (options.ServiceUrl is { } url &&
            (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            problems.Add($"{sectionPath}:ServiceUrl must be an absolute http:// or https:// URL, or unset for AWS.");
        if (options.Profile is { } profile && string.IsNullOrWhiteSpace(profile))
            problems.Add($"{sectionPath}:Profile must name a profile of the shared AWS files, or be unset.");

        var sse = options.ServerSideEncryption;
        if (sse is not (S3StorageOptions.Encryption.None or S3StorageOptions.Encryption.Aes256 or S3StorageOptions.Encryption.Kms))
            problems.Add($"{sectionPath}:ServerSideEncryption must be None, AES256 or aws:kms.");
        if (options.KmsKeyId is not null && sse != S3StorageOptions.Encryption.Kms)
            problems.Add($"{sectionPath}:KmsKeyId applies to ServerSideEncryption=aws:kms only.");
        if (options.KmsKeyId is { } keyId && string.IsNullOrWhiteSpace(keyId))
            problems.Add($"{sectionPath}:KmsKeyId must name a key, or be unset for the bucket's default key.");

        if (options.PartSizeBytes is < S3StorageOptions.MinPartSizeBytes or > S3StorageOptions.MaxPartSizeBytes)
            problems.Add($"{sectionPath}:PartSizeBytes must be between {S3StorageOptions.MinPartSizeBytes} (5 MiB, S3's smallest part) " +
                $"and {S3StorageOptions.MaxPartSizeBytes} (512 MiB).");
        if (options.ParallelParts is < 1 or > S3StorageOptions.MaxParallelParts)
            problems.Add($"{sectionPath}:ParallelParts must be between 1 and {S3StorageOptions.MaxParallelParts}.");
        return problems;
    }
}
