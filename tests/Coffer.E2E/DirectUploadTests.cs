using System.Security.Cryptography;
using Amazon.S3.Model;
using Coffer.E2E.Infrastructure;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>Coffer on PostgreSQL + S3 (Ceph RGW) with encryption off, where the page offers direct uploads.</summary>
public sealed class DirectUploadServer : CofferServer
{
    public DirectUploadServer()
        : base(StackKind.ScaleOut, fakeClock: false, ("Coffer:Encryption:Enabled", "false"))
    {
        // What the README asks of the bucket: browsers on Coffer's origin may PUT parts and read the ETag.
        using var s3 = TestStack.S3Client();
        s3.PutCORSConfigurationAsync(new PutCORSConfigurationRequest
        {
            BucketName = TestStack.Bucket,
            Configuration = new CORSConfiguration
            {
                Rules =
                [
                    new CORSRule
                    {
                        AllowedOrigins = [BaseUrl],
                        AllowedMethods = ["PUT", "GET"],
                        AllowedHeaders = ["*"],
                        ExposeHeaders = ["ETag"],
                        MaxAgeSeconds = 600,
                    },
                ],
            },
        }).GetAwaiter().GetResult();
    }
}

/// <summary>The browser sends the parts straight to the bucket through the signed URLs, then the server files the upload.</summary>
public sealed class DirectUploadTests(BrowserFixture browser, DirectUploadServer server) : BrowserTest(browser, server), IClassFixture<DirectUploadServer>
{
    [Fact]
    public async Task Upload_GoesStraightToTheBucketInParts_AndTheFileDownloadsIdentical()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        var content = RandomNumberGenerator.GetBytes(20 * 1024 * 1024 + 3); // three parts
        var bucketOrigin = new Uri(Server.Setting("Coffer:Storage:S3:ServiceUrl")!).GetLeftPart(UriPartial.Authority);
        var partPuts = 0;
        var serverPuts = 0;
        Page.Request += (_, request) =>
        {
            if (request.Method == "PUT" && request.Url.StartsWith(bucketOrigin, StringComparison.Ordinal))
                Interlocked.Increment(ref partPuts);
            if (request.Method == "PUT" && request.Url.StartsWith(BaseUrl, StringComparison.Ordinal))
                Interlocked.Increment(ref serverPuts);
        };

        // A file on disk, not a buffer: Playwright hands a local browser the path instead of pushing 20 MB through its pipe.
        var folder = Directory.CreateTempSubdirectory("coffer-e2e-");
        var file = Path.Combine(folder.FullName, "video.bin");
        await File.WriteAllBytesAsync(file, content, Cancellation);

        try
        {
            await Page.Locator("#file-input").SetInputFilesAsync(file);
            await Page.WaitForUploadsAsync(); // the browser reads the file while it uploads
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        await Expect(Page.Toast("Uploaded 1 file.")).ToBeVisibleAsync();
        Assert.Equal(3, partPuts);
        Assert.Equal(0, serverPuts);
        var listing = await user.ChildrenAsync();
        var item = Assert.Single(listing.Items);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), item.Sha256);
        Assert.Equal(content, await user.Client.GetByteArrayAsync($"/api/v1/items/{item.Id}/content", Cancellation));
    }
}
