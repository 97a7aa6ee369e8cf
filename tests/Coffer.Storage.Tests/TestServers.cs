namespace Coffer.Storage.Tests;

/// <summary>
/// The servers that test.sh starts (PostgreSQL, an S3 store), as tests find them: through
/// environment variables. When one is missing, a test that needs it is skipped under a plain
/// <c>dotnet test</c>, and fails under test.sh (<c>COFFER_TEST_SERVERS_REQUIRED=1</c>), where a
/// skip would hide that the server never started. Self-contained, so other test projects can
/// copy or link this file.
/// </summary>
public static class TestServers
{
    public const string RequiredVariable = "COFFER_TEST_SERVERS_REQUIRED";
    public const string S3UrlVariable = "COFFER_TEST_S3_URL";
    public const string S3BucketVariable = "COFFER_TEST_S3_BUCKET";
    public const string PostgresVariable = "COFFER_TEST_PG";

    /// <summary>True under test.sh: a missing server is a failure, not a skip.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequiredVariable) == "1";

    /// <summary>
    /// The S3 store test.sh started (credentials in the standard <c>AWS_ACCESS_KEY_ID</c> and
    /// <c>AWS_SECRET_ACCESS_KEY</c>, which the AWS SDK reads too); skips or fails the test without one.
    /// </summary>
    public static S3Settings S3() => TryS3() ?? throw Missing("an S3 store", S3UrlVariable, S3BucketVariable, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");

    /// <summary>The Npgsql connection string of a role that may create databases; skips or fails the test without one.</summary>
    public static string Postgres() => TryPostgres() ?? throw Missing("PostgreSQL", PostgresVariable);

    /// <summary>The S3 store, or null when the variables are not set (for code that must decide without skipping).</summary>
    public static S3Settings? TryS3()
    {
        var url = Variable(S3UrlVariable);
        var bucket = Variable(S3BucketVariable);
        var accessKey = Variable("AWS_ACCESS_KEY_ID");
        var secretKey = Variable("AWS_SECRET_ACCESS_KEY");
        return url is null || bucket is null || accessKey is null || secretKey is null
            ? null
            : new S3Settings(new Uri(url), bucket, accessKey, secretKey);
    }

    public static string? TryPostgres() => Variable(PostgresVariable);

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>The one rule: fail under test.sh, skip otherwise (Assert.Skip throws; the exception is for the compiler).</summary>
    private static InvalidOperationException Missing(string server, params string[] variables)
    {
        var names = string.Join(", ", variables);
        if (Required)
            Assert.Fail($"{server} is required ({RequiredVariable}=1) but {names} are not all set: test.sh did not start the server.");
        Assert.Skip($"needs {server}: set {names} (test.sh starts one and sets them).");
        return new InvalidOperationException("unreachable");
    }
}

/// <summary>Where the test S3 store is and who to sign in as.</summary>
public sealed record S3Settings(Uri Url, string Bucket, string AccessKey, string SecretKey);
