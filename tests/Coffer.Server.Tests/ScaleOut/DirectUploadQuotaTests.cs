using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Shares;
using Microsoft.EntityFrameworkCore;

namespace Coffer.Server.Tests.ScaleOut;

/// <summary>Direct uploads (client → bucket) hold their declared size against the quota from the start, and are checked again at completion.</summary>
public sealed class DirectUploadQuotaTests : IDisposable
{
    private readonly CofferApp _app = ScaleOutApps.First(("Coffer:Encryption:Enabled", "false"));
    private readonly HttpClient _bucket = new();

    public void Dispose()
    {
        _bucket.Dispose();
        _app.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestUser Admin, TestUser User)> UsersAsync(long quotaBytes)
    {
        var admin = await _app.NewUserAsync();
        var user = await _app.NewUserAsync();
        var set = await admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.Id}", new { quotaBytes }, Ct);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        return (admin, user);
    }

    private static Task<HttpResponseMessage> StartAsync(TestUser user, string name, long size) =>
        user.Client.PostAsJsonAsync("/api/v1/items/root/uploads", new { name, size }, Ct);

    [Fact]
    public async Task Start_OverTheQuota_Is413_AndOpenUploadsCountUntilTheyEnd()
    {
        var (_, user) = await UsersAsync(1000);

        var tooBig = await StartAsync(user, "big.bin", 1001);
        var first = await StartAsync(user, "a.bin", 700);
        var second = await StartAsync(user, "b.bin", 400); // 700 are held by the first one

        var problem = await Problem.AssertAsync(tooBig, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1000, problem.GetProperty("freeBytes").GetInt64());
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(300, (await Problem.AssertAsync(second, HttpStatusCode.RequestEntityTooLarge)).GetProperty("freeBytes").GetInt64());
        Assert.Equal(700, (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!.UsedBytes);
        Assert.Equal(1, await _app.DbAsync(db => db.DirectUploads.CountAsync(Ct)));

        var ticket = (await first.Content.ReadFromJsonAsync<DirectUploadDto>(Ct))!;
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/v1/items/root/uploads/{ticket.Id}", Ct)).StatusCode);
        Assert.Equal(0, (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!.UsedBytes);
    }

    [Fact]
    public async Task Complete_AfterTheQuotaWasLowered_Is413_AndLeavesNothing()
    {
        var (admin, user) = await UsersAsync(1000);
        var content = new byte[600];
        var started = await StartAsync(user, "a.bin", content.Length);
        var ticket = (await started.Content.ReadFromJsonAsync<DirectUploadDto>(Ct))!;
        var part = await _bucket.PutAsync(ticket.Parts[0].Url, new ByteArrayContent(content), Ct);
        Assert.True(part.IsSuccessStatusCode);

        await admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.Id}", new { quotaBytes = 500 }, Ct);
        var completed = await user.Client.PostAsJsonAsync($"/api/v1/items/root/uploads/{ticket.Id}/complete",
            new { parts = new[] { new { number = 1, etag = part.Headers.ETag!.Tag } } }, Ct);

        await Problem.AssertAsync(completed, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty((await user.ChildrenAsync()).Items);
        Assert.Empty(_app.StoredBlobs());
        Assert.Equal(0, (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!.UsedBytes);
    }

    [Fact]
    public async Task Complete_WithinTheQuota_MakesTheFile_CountedOnce()
    {
        var (_, user) = await UsersAsync(1000);
        var content = new byte[600];
        var ticket = (await (await StartAsync(user, "a.bin", content.Length)).Content.ReadFromJsonAsync<DirectUploadDto>(Ct))!;
        var part = await _bucket.PutAsync(ticket.Parts[0].Url, new ByteArrayContent(content), Ct);

        var completed = await user.Client.PostAsJsonAsync($"/api/v1/items/root/uploads/{ticket.Id}/complete",
            new { parts = new[] { new { number = 1, etag = part.Headers.ETag!.Tag } } }, Ct);

        Assert.Equal(HttpStatusCode.Created, completed.StatusCode);
        Assert.Equal(600, (await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me", Ct))!.UsedBytes);
    }
}
