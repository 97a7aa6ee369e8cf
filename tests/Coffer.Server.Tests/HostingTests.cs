using System.Net;
using System.Text.Json;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

public sealed class HostingTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Health_LiveAndReady_Are200()
    {
        var client = _app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Health_Ready_Is503WhenTheBlobStoreCannotBeWritten()
    {
        // On disk: a file where the blob directory should be. On S3: a bucket that does not exist.
        using var noBucket = _app.Stack == StackKind.ScaleOut ? new CofferApp(("Coffer:Storage:S3:Bucket", "coffer-no-such-bucket")) : null;
        var client = (noBucket ?? _app).CreateClient();
        if (noBucket is null)
        {
            if (Directory.Exists(_app.BlobDir))
                Directory.Delete(_app.BlobDir, recursive: true);
            await File.WriteAllTextAsync(_app.BlobDir, "a file where the blob directory should be");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheItemsApi()
    {
        var document = JsonDocument.Parse(await _app.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/items/{id}/content", paths);
        Assert.Contains("/api/v1/items/by-path", paths);
        Assert.Contains("/api/v1/auth/register", paths);
        Assert.Contains("/api/v1/items/{id}/download-url", paths);
        Assert.Contains("/api/v1/items/{id}/versions/{versionId}/restore", paths);
        Assert.Contains("/api/v1/trash/{id}/restore", paths);
    }

    [Fact]
    public async Task Responses_CarryRequestIdAndSecurityHeaders()
    {
        var response = await _app.CreateClient().GetAsync("/health/live");

        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Request-Id").Single()));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorAnswers_AlsoCarryRequestIdAndSecurityHeaders()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.GetAsync($"/api/v1/items/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Request-Id").Single()));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task UnknownRoute_Is404Problem()
    {
        var response = await _app.CreateClient().GetAsync("/api/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DataDir_KeepsKeysPrivate()
    {
        await _app.NewUserAsync();
        var user = await _app.NewUserAsync();
        await user.UploadAsync("a.txt", "x");
        var item = await user.ChildrenAsync();
        await user.Client.PostAsync($"/api/v1/items/{item.Items[0].Id}/download-url", null);

        var keyFile = Assert.Single(Directory.GetFiles(Path.Combine(_app.DataDir, "keys", "encryption"), "*.key"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_app.DataDir));
    }
}

/// <summary>
/// A wrong setting stops start-up with a message that names the key. Run as a real process,
/// the way an administrator meets it: exit code 1 and one clear line, no stack trace.
/// </summary>
public sealed class ConfigurationValidationTests
{
    [Fact]
    public async Task Start_WithTheBackupInsideThePrimaryStore_Exits()
    {
        var output = await RefusedOnAFreshDataDirAsync(dataDir => [("Coffer__Backup__Provider", "Local"),
            ("Coffer__Backup__Directory", Path.Combine(dataDir, "blobs", "backup"))]);

        Assert.Contains("Coffer:Backup points at the primary store", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnPostgresWithKeyFilesInTheDataDirectory_ExitsAskingForSharedKeys()
    {
        string? keys = null;
        var output = await RefusedOnAFreshDataDirAsync(dataDir =>
        {
            keys = Path.Combine(dataDir, "keys", "encryption");
            return [("Coffer__Database__Provider", "Postgres"), ("ConnectionStrings__Coffer", "Host=127.0.0.1;Port=1;Database=unused")];
        }, afterwards: () => Assert.False(Directory.Exists(keys), "No key may be made that other instances would not know."));

        Assert.Contains("Coffer:Encryption:KeyProvider=Environment", output, StringComparison.Ordinal);
    }

    /// <summary>Starts the server on a new data directory with the given settings, asserts it refuses (exit 1), returns what it said.</summary>
    private static async Task<string> RefusedOnAFreshDataDirAsync(
        Func<string, (string Name, string Value)[]> settings, Action? afterwards = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("coffer-config-").FullName;
        try
        {
            var (exitCode, output) = await RunServerAsync([("Coffer__DataDir", dataDir), .. settings(dataDir)]);
            Assert.Equal(1, exitCode);
            afterwards?.Invoke();
            return output;
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("Coffer__Registration", "Sometimes", "Coffer:Registration")]
    [InlineData("Coffer__Limits__MaxUploadBytes", "-1", "Coffer:Limits:MaxUploadBytes")]
    [InlineData("Coffer__Limits__MaxUploadBytes", "ten", "Coffer:Limits:MaxUploadBytes")]
    [InlineData("Coffer__Shares__MaxExpiryDays", "0", "Coffer:Shares:MaxExpiryDays")]
    [InlineData("Coffer__Shares__MaxExpiryDays", "ten", "Coffer:Shares:MaxExpiryDays")]
    [InlineData("Coffer__Versions__KeepLast", "-1", "Coffer:Versions:KeepLast")]
    [InlineData("Coffer__Trash__RetentionDays", "-1", "Coffer:Trash:RetentionDays")]
    [InlineData("Coffer__Database__Provider", "Oracle", "Coffer:Database:Provider")]
    [InlineData("Coffer__Database__Provider", "Postgres", "Coffer:Database:Provider")]
    [InlineData("Coffer__Storage__Provider", "S3", "Coffer:Storage:S3:Bucket")]
    [InlineData("Coffer__Storage__Provider", "Azure", "Coffer:Storage:Provider")]
    [InlineData("Coffer__Backup__Provider", "Tape", "Coffer:Backup:Provider")]
    [InlineData("Coffer__TrustedProxies", "nginx", "Coffer:TrustedProxies")]
    [InlineData("Coffer__Backup__Provider", "Local", "Coffer:Backup:Directory")]
    [InlineData("Coffer__Backup__Provider", "S3", "Coffer:Backup:S3:Bucket")]
    [InlineData("Coffer__Quota__DefaultBytes", "-1", "Coffer:Quota:DefaultBytes")]
    [InlineData("Coffer__Encryption__KeyProvider", "Environment", "Coffer__Encryption__Keys__")]
    [InlineData("Coffer__Encryption__KeyProvider", "Vault", "Coffer:Encryption:KeyProvider")]
    [InlineData("Coffer__Encryption__ActiveKeyId", "no such key", "Coffer:Encryption:ActiveKeyId")]
    [InlineData("Coffer__Encryption__ActiveKeyId", "absent", "Coffer:Encryption:ActiveKeyId")]
    public async Task Start_WithAWrongSetting_ExitsNamingTheKey(string variable, string value, string named)
    {
        var output = await RefusedOnAFreshDataDirAsync(_ => [(variable, value)]);

        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.Contains("Coffer cannot start", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithADataDirThatIsAFile_ExitsNamingTheKey()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (exitCode, output) = await RunServerAsync(("Coffer__DataDir", file));

            Assert.Equal(1, exitCode);
            Assert.Contains("Coffer:DataDir", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Starts the server build that sits beside the tests; a valid configuration would keep it running, so it is stopped after a minute.</summary>
    internal static Task<(int ExitCode, string Output)> RunServerAsync(params (string Name, string Value)[] environment) =>
        RunServerAsync(["--urls", "http://127.0.0.1:0"], environment);

    /// <summary>Runs the server's executable with <paramref name="arguments"/> (a command such as <c>backup restore</c>) until it exits.</summary>
    internal static async Task<(int ExitCode, string Output)> RunServerAsync(string[] arguments, IEnumerable<(string Name, string Value)> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Coffer.Server.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
