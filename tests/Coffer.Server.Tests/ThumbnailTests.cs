using System.Net;
using System.Net.Http.Headers;
using Coffer.Core.Persistence;
using Coffer.Core.Previews;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace Coffer.Server.Tests;

/// <summary>
/// Images get thumbnails in the background: made by the job after the upload, stored sealed like
/// content, served with a strong ETag, gone with their file; a broken image fails quietly.
/// </summary>
public sealed class ThumbnailTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Png(int width, int height) => TestFiles.Png(width, height);

    /// <summary>Lets the job run (its timer follows the test clock) until the file's thumbnail is no longer Pending.</summary>
    internal static async Task<Thumbnail> WaitForThumbnailAsync(CofferApp app, ItemDto item, bool queuedWithTheUpload = true)
    {
        for (var i = 0; i < 300; i++)
        {
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
                var versionId = await db.Items.Where(x => x.Id == Guid.Parse(item.Id)).Select(x => x.CurrentVersionId).SingleAsync(Ct);
                var row = await db.Thumbnails.AsNoTracking().SingleOrDefaultAsync(t => t.VersionId == versionId, Ct);
                if (queuedWithTheUpload)
                    Assert.NotNull(row); // in the upload's own transaction
                if (row is { State: not ThumbnailState.Pending })
                    return row;
            }
            if (i % 5 == 0)
                app.Clock.Advance(TimeSpan.FromSeconds(6));
            await Task.Delay(40, Ct);
        }
        Assert.Fail($"The thumbnail of {item.Name} was never made.");
        return null;
    }

    [Fact]
    public async Task Upload_Image_GetsAnEncryptedThumbnailServedWithAnETag()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("photo.png", Png(1200, 900));

        var row = await WaitForThumbnailAsync(_app, item);

        Assert.Equal(ThumbnailState.Ready, row.State);
        Assert.Equal((320, 240), (row.Width, row.Height));
        string storeKey;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
            var blob = await db.Blobs.SingleAsync(b => b.Id == row.BlobId, Ct);
            Assert.NotNull(blob.KeyId); // sealed like content
            storeKey = blob.StoreKey;
        }
        var stored = Assert.Single(_app.StoredBlobs(), e => e.Replace('\\', '/').EndsWith(storeKey[^32..], StringComparison.Ordinal));
        using (var storedData = SKData.CreateCopy(_app.ReadStoredBlob(stored)))
            Assert.Null(SKCodec.Create(storedData)); // the store holds no picture, only ciphertext

        var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/thumbnail", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("private", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        using var picture = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.NotNull(picture);
        Assert.Equal((320, 240), (picture.Width, picture.Height));

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{item.Id}/thumbnail");
        again.Headers.IfNoneMatch.Add(etag);
        var notModified = await user.Client.SendAsync(again, Ct);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
    }

    [Fact]
    public async Task Delete_File_DeletesItsThumbnailBlob()
    {
        var user = await _app.NewUserAsync();
        var folder = await user.CreateFolderAsync("Photos");
        var item = await user.UploadAsync("photo.png", Png(400, 300), folder.Id);
        await WaitForThumbnailAsync(_app, item);
        Assert.Equal(2, _app.StoredBlobs().Count); // the content and its thumbnail

        var deleted = await user.Client.DeleteAsync($"/api/v1/items/{folder.Id}?permanent=true", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(_app.StoredBlobs());
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        Assert.Equal(0, await db.Thumbnails.CountAsync(Ct));
        Assert.Equal(0, await db.Blobs.CountAsync(Ct));
    }

    [Fact]
    public async Task Replace_File_DropsTheOldThumbnail_AndMakesANewOne()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("photo.png", Png(400, 300));
        var first = await WaitForThumbnailAsync(_app, item);
        var firstTag = (await user.Client.GetAsync($"/api/v1/items/{item.Id}/thumbnail", Ct)).Headers.ETag;

        var replaced = await user.PutAsync("photo.png", Png(300, 600), conflict: "replace");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var second = await WaitForThumbnailAsync(_app, item);

        Assert.Equal(ThumbnailState.Ready, second.State);
        Assert.NotEqual(first.BlobId, second.BlobId);
        Assert.Equal((160, 320), (second.Width, second.Height));
        Assert.Equal(4, _app.StoredBlobs().Count); // the old content and its thumbnail stay with the earlier version
        var response = await user.Client.GetAsync($"/api/v1/items/{item.Id}/thumbnail", Ct);
        Assert.NotEqual(firstTag, response.Headers.ETag);
    }

    [Fact]
    public async Task CorruptImage_ThumbnailFails_AndTheJobCarriesOn()
    {
        var user = await _app.NewUserAsync();
        var broken = await user.UploadAsync("broken.jpg", [0xFF, 0xD8, 0xFF, 0xE0, .. "then not a JPEG at all"u8]);
        var good = await user.UploadAsync("good.png", Png(50, 50));

        Assert.Equal(ThumbnailState.Failed, (await WaitForThumbnailAsync(_app, broken)).State);
        Assert.Equal(ThumbnailState.Ready, (await WaitForThumbnailAsync(_app, good)).State);
        var response = await user.Client.GetAsync($"/api/v1/items/{broken.Id}/thumbnail", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ImageStoredWithoutAThumbnail_IsQueuedByTheJob()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("old.png", Png(64, 32));
        await WaitForThumbnailAsync(_app, item);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            // As if stored before thumbnails existed: no row at all.
            var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
            var blobId = (await db.Thumbnails.SingleAsync(Ct)).BlobId;
            await db.Thumbnails.ExecuteDeleteAsync(Ct);
            await db.Blobs.Where(b => b.Id == blobId).ExecuteDeleteAsync(Ct);
        }

        _app.Clock.Advance(TimeSpan.FromHours(2)); // the job looks for missing ones hourly
        var row = await WaitForThumbnailAsync(_app, item, queuedWithTheUpload: false);

        Assert.Equal(ThumbnailState.Ready, row.State);
        Assert.Equal((64, 32), (row.Width, row.Height));
    }

    [Fact]
    public async Task NotAnImage_GetsNoThumbnail_404()
    {
        var user = await _app.NewUserAsync();
        var item = await user.UploadAsync("notes.txt", "hello");
        var folder = await user.CreateFolderAsync("Empty");

        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/v1/items/{item.Id}/thumbnail", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/v1/items/{folder.Id}/thumbnail", Ct)).StatusCode);
        await using var scope = _app.Services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<CofferDb>().Thumbnails.CountAsync(Ct));
    }

    [Fact]
    public async Task Thumbnail_OfAnotherUsersFile_Is404()
    {
        var owner = await _app.NewUserAsync();
        var item = await owner.UploadAsync("photo.png", Png(100, 100));
        await WaitForThumbnailAsync(_app, item);
        var other = await _app.NewUserAsync();

        var response = await other.Client.GetAsync($"/api/v1/items/{item.Id}/thumbnail", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
