using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;

namespace Coffer.Server.Tests.Infrastructure;

public enum StackKind
{
    /// <summary>SQLite + blobs on local disk: the embedded defaults.</summary>
    Embedded,

    /// <summary>PostgreSQL + an S3-compatible store: what many instances share.</summary>
    ScaleOut,
}

/// <summary>
/// Which backends the integration suite runs against. test.sh runs the whole suite twice: once
/// on the embedded defaults and once with <c>COFFER_TEST_STACK=scale-out</c>, against the
/// PostgreSQL and Ceph RGW servers it started; every test then runs on both without knowing it.
/// A server over the same data directory (a "restart") gets the same database and key prefix.
/// </summary>
public static class TestStack
{
    public static StackKind Current { get; } =
        Environment.GetEnvironmentVariable("COFFER_TEST_STACK") is "scale-out" ? StackKind.ScaleOut : StackKind.Embedded;

    /// <summary>The settings that put a server whose data directory is <paramref name="dataDir"/> on <paramref name="stack"/>.</summary>
    public static IEnumerable<(string Key, string? Value)> SettingsFor(StackKind stack, string dataDir)
    {
        if (stack == StackKind.Embedded)
            yield break;
        var servers = RequireServers();
        yield return ("Coffer:Database:Provider", "Postgres");
        yield return ("ConnectionStrings:Coffer", EnsureDatabase(servers.Postgres, DatabaseName(dataDir)));
        yield return ("Coffer:Storage:Provider", "S3");
        yield return ("Coffer:Storage:S3:Bucket", servers.Bucket);
        yield return ("Coffer:Storage:S3:ServiceUrl", servers.ServiceUrl);
        yield return ("Coffer:Storage:S3:ForcePathStyle", "true");
        yield return ("Coffer:Storage:S3:Prefix", PrefixFor(dataDir));
        // A shared database wants shared keys: the data directory's key folder, named explicitly (a test that
        // chooses KeyProvider=Environment drops this, see CofferApp).
        yield return (KeyDirectorySetting, Path.Combine(dataDir, "keys", "encryption"));
    }

    public const string KeyDirectorySetting = "Coffer:Encryption:KeyDirectory";

    /// <summary>Where a server's blobs go in the shared test bucket.</summary>
    public static string PrefixFor(string dataDir) => $"t/{Hash(dataDir)}/";

    public static string DatabaseName(string dataDir) => $"coffer_t_{Hash(dataDir)}";

    public static AmazonS3Client S3Client()
    {
        var servers = RequireServers();
        return new AmazonS3Client(new AmazonS3Config
        {
            ServiceURL = servers.ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public static string Bucket => RequireServers().Bucket;

    /// <summary>Every object and unfinished multipart upload under <paramref name="prefix"/> ("upload:" before the latter's key).</summary>
    public static async Task<List<string>> ListAsync(string prefix)
    {
        using var s3 = S3Client();
        var found = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            found.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        var uploads = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = prefix });
        found.AddRange((uploads.MultipartUploads ?? []).Select(u => "upload:" + u.Key));
        return found;
    }

    /// <summary>Drops a server's database and deletes its objects (test clean-up; failures are ignored).</summary>
    public static async Task DeleteAsync(string dataDir)
    {
        var servers = RequireServers();
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(servers.Postgres);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName(dataDir)}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (PostgresException)
        {
            // Clean-up only: the cluster is thrown away with the run.
        }
        using var s3 = S3Client();
        foreach (var key in await ListAsync(PrefixFor(dataDir)))
        {
            if (!key.StartsWith("upload:", StringComparison.Ordinal))
                await s3.DeleteObjectAsync(Bucket, key);
        }
    }

    private sealed record Servers(string Postgres, string ServiceUrl, string Bucket);

    private static Servers RequireServers()
    {
        var postgres = Environment.GetEnvironmentVariable("COFFER_TEST_PG");
        var url = Environment.GetEnvironmentVariable("COFFER_TEST_S3_URL");
        var bucket = Environment.GetEnvironmentVariable("COFFER_TEST_S3_BUCKET");
        if (string.IsNullOrEmpty(postgres) || string.IsNullOrEmpty(url) || string.IsNullOrEmpty(bucket))
        {
            const string reason = "This test needs the PostgreSQL and S3 servers that ./test.sh starts: COFFER_TEST_PG, COFFER_TEST_S3_URL " +
                "and COFFER_TEST_S3_BUCKET are not all set.";
            if (Environment.GetEnvironmentVariable("COFFER_TEST_SERVERS_REQUIRED") == "1")
                Assert.Fail(reason + " (COFFER_TEST_SERVERS_REQUIRED=1)");
            Assert.Skip(reason + " Run ./test.sh to include it.");
        }
        return new Servers(postgres, url, bucket);
    }

    private static string EnsureDatabase(string adminConnectionString, string name)
    {
        using var connection = new NpgsqlConnection(adminConnectionString);
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (exists.ExecuteScalar() is null)
        {
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            create.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    private static string Hash(string dataDir) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir))))[..16];
}
