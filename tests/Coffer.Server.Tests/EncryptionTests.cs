using System.Net;
using System.Net.Http.Json;
using System.Text;
using Coffer.Core.Persistence;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests;

/// <summary>Encryption at rest through the whole server: what lands on disk, what comes back, what tampering and lost keys do.</summary>
public sealed class EncryptionTests
{
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("COFFER-PLAINTEXT-MARKER ");

    private static byte[] MarkedContent(int bytes)
    {
        var content = new byte[bytes];
        for (var i = 0; i < bytes; i++)
            content[i] = Marker[i % Marker.Length];
        return content;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [Fact]
    public async Task Upload_ByDefault_StoresOnlyCiphertext_AndDownloadsIdentically()
    {
        using var app = new CofferApp();
        var user = await app.NewUserAsync();
        var content = MarkedContent(300_000);

        var item = await user.UploadAsync("secret.txt", content);

        var stored = app.ReadStoredBlob(Assert.Single(app.StoredBlobs()));
        Assert.False(Contains(stored, Marker), "The stored blob contains the plaintext.");
        Assert.True(stored.Length > content.Length, "A sealed blob carries a header and a tag per segment.");
        Assert.Equal(content, await user.Client.GetByteArrayAsync($"/api/v1/items/{item.Id}/content", TestContext.Current.CancellationToken));

        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{item.Id}/content");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(199_990, 200_009);
        using var partial = await user.Client.SendAsync(range, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(content[199_990..200_010], await partial.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Upload_WithEncryptionOff_IsPlaintext_AndBothKindsStayReadableAfterTurningItOn()
    {
        var dataDir = Directory.CreateTempSubdirectory("coffer-enc-").FullName;
        try
        {
            var plain = MarkedContent(70_000);
            string plainId;
            TestUser user;
            using (var off = new CofferApp(dataDir, ("Coffer:Encryption:Enabled", "false")))
            {
                user = await off.NewUserAsync("owner@example.com");
                plainId = (await user.UploadAsync("old.txt", plain)).Id;
                Assert.Contains(off.StoredBlobs(), f => Contains(off.ReadStoredBlob(f), Marker));
            }

            using var on = new CofferApp(dataDir);
            var client = on.CreateStreamingClient();
            client.DefaultRequestHeaders.Authorization = user.Client.DefaultRequestHeaders.Authorization;
            var fresh = MarkedContent(90_000);
            var response = await client.PutAsync(TestUser.ContentUrl("root", "new.txt"), new ByteArrayContent(fresh), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);

            Assert.Equal(plain, await client.GetByteArrayAsync($"/api/v1/items/{plainId}/content", TestContext.Current.CancellationToken));
            Assert.Single(on.StoredBlobs(), f => Contains(on.ReadStoredBlob(f), Marker)); // only the old one
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Download_OfATamperedBlob_FailsFromTheStart_OrAbortsMidway_NeverSendsWrongBytes()
    {
        using var app = new CofferApp();
        app.UseKestrel(0);
        var user = await app.NewUserAsync();
        var item = await user.UploadAsync("big.bin", MarkedContent(1_000_000));
        var blob = Assert.Single(app.StoredBlobs());

        // A flipped bit far into the file: the response has started, so the transfer breaks off.
        FlipByte(app, blob, 900_000);
        using (var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/content", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        }

        // A flipped bit in the first segment: found before anything is sent, so a clear 500.
        FlipByte(app, blob, 100);
        var early = await user.Client.GetAsync($"/api/v1/items/{item.Id}/content", TestContext.Current.CancellationToken);
        var problem = await Problem.AssertAsync(early, HttpStatusCode.InternalServerError);
        Assert.Contains("integrity", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithTheKeyFileMissingOrReplaced_RefusesNamingTheKey()
    {
        var dataDir = Directory.CreateTempSubdirectory("coffer-keys-").FullName;
        try
        {
            using (var app = new CofferApp(StackKind.Embedded, dataDir)) // the server process below runs on the embedded defaults
            {
                var user = await app.NewUserAsync();
                await user.UploadAsync("a.txt", "content");
            }
            var keyFile = Assert.Single(Directory.GetFiles(Path.Combine(dataDir, "keys", "encryption"), "*.key"));
            var keyId = Path.GetFileNameWithoutExtension(keyFile);

            await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(new byte[32]), TestContext.Current.CancellationToken);
            var (wrongExit, wrongOutput) = await ConfigurationValidationTests.RunServerAsync(("Coffer__DataDir", dataDir));
            Assert.Equal(1, wrongExit);
            Assert.Contains(keyId, wrongOutput, StringComparison.Ordinal);
            Assert.Contains("not the key", wrongOutput, StringComparison.Ordinal);

            File.Delete(keyFile);
            var (missingExit, missingOutput) = await ConfigurationValidationTests.RunServerAsync(("Coffer__DataDir", dataDir));
            Assert.Equal(1, missingExit);
            Assert.Contains(keyId, missingOutput, StringComparison.Ordinal);
            Assert.Contains("not configured", missingOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task ServerSecrets_AreWrappedByTheKek_AndSurviveRotationAndRetirement()
    {
        var dataDir = Directory.CreateTempSubdirectory("coffer-rotate-").FullName;
        try
        {
            var cookies = new System.Net.CookieContainer();
            string link;
            IEnumerable<(string Name, string Value)> environment;
            string oldKey;
            using (var first = new CofferApp(dataDir))
            {
                using (var browser = new Web.WebSession(first, cookies))
                    await browser.SignedUpAsync("rotate@example.com");
                var user = await first.NewUserAsync();
                var item = await user.UploadAsync("kept.txt", "still linked");
                var response = await user.Client.PostAsJsonAsync($"/api/v1/items/{item.Id}/download-url", new { expiresInSeconds = 86_400 }, TestContext.Current.CancellationToken);
                link = new Uri((await response.Content.ReadFromJsonAsync<DownloadUrlDto>(TestContext.Current.CancellationToken))!.Url).PathAndQuery;
                environment = first.ProcessEnvironment().ToList();
                using var scope = first.Services.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
                oldKey = (await db.ServerKeys.SingleAsync(TestContext.Current.CancellationToken)).KeyId!;
                Assert.All(await db.DataProtectionKeys.ToListAsync(TestContext.Current.CancellationToken), k =>
                {
                    Assert.Contains($"<sealedByCoffer kek=\"{oldKey}\"", k.Xml, StringComparison.Ordinal);
                    Assert.DoesNotContain("<masterKey", k.Xml, StringComparison.Ordinal); // the secret itself is not in the database
                });
            }

            var (rotated, rotateOutput) = await ConfigurationValidationTests.RunServerAsync(["keys", "rotate"], environment);
            Assert.True(rotated == 0, rotateOutput);
            var (retired, retireOutput) = await ConfigurationValidationTests.RunServerAsync(["keys", "retire", oldKey], environment);
            Assert.True(retired == 0, retireOutput); // nothing, server secrets included, needs the old key any more

            using var second = new CofferApp(dataDir);
            Assert.Equal("still linked", await second.CreateClient().GetStringAsync(link, TestContext.Current.CancellationToken));
            using var again = new Web.WebSession(second, cookies);
            Assert.Contains("rotate@example.com", await again.PageAsync("/files"), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task EnvironmentKey_SealsWithIt_AndNoKeyFileIsWritten()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        using var app = new CofferApp(("Coffer:Encryption:KeyProvider", "Environment"), ("Coffer:Encryption:Keys:prod-1", key));
        var user = await app.NewUserAsync();
        var content = MarkedContent(10_000);

        var item = await user.UploadAsync("env.txt", content);

        Assert.False(Directory.Exists(Path.Combine(app.DataDir, "keys", "encryption")), "No key file is written when keys come from the environment.");
        Assert.False(Contains(app.ReadStoredBlob(Assert.Single(app.StoredBlobs())), Marker));
        Assert.Equal(content, await user.Client.GetByteArrayAsync($"/api/v1/items/{item.Id}/content", TestContext.Current.CancellationToken));
    }

    private static void FlipByte(CofferApp app, string blob, int offset)
    {
        var bytes = app.ReadStoredBlob(blob);
        bytes[offset] ^= 0x01;
        app.ReplaceStoredBlob(blob, bytes);
    }
}
