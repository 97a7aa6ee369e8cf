using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Coffer.Core.Jobs;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Web;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests.ScaleOut;

/// <summary>
/// Two instances on two servers of their own sharing one PostgreSQL database and one bucket:
/// whatever one instance issues (files, sessions, antiforgery tokens, signed links), the other honours.
/// </summary>
public sealed class MultiInstanceTests : IDisposable
{
    private readonly CofferApp _a = ScaleOutApps.First();
    private readonly CofferApp _b;

    public MultiInstanceTests() => _b = ScaleOutApps.Another(_a);

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UploadOnA_ListsAndDownloadsOnB()
    {
        var user = await _a.NewUserAsync();
        var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var item = await user.UploadAsync("shared.bin", content);

        var onB = _b.CreateStreamingClient();
        onB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        var listing = await onB.GetFromJsonAsync<ItemListDto>("/api/v1/items/root/children", Ct);
        Assert.Equal(item.Id, Assert.Single(listing!.Items).Id);
        Assert.Equal(content, await onB.GetByteArrayAsync($"/api/v1/items/{item.Id}/content", Ct));
    }

    [Fact]
    public async Task SessionCookieAndAntiforgeryTokenFromA_AreAcceptedByB()
    {
        var cookies = new CookieContainer();
        string antiforgery;
        using (var onA = new WebSession(_a, cookies))
        {
            await onA.SignedUpAsync("roaming@example.com");
            antiforgery = WebSession.MetaToken(await onA.PageAsync("/files"));
        }

        using var onB = new WebSession(_b, cookies);
        Assert.Contains("roaming@example.com", await onB.PageAsync("/files"), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/items/root/folders")
        {
            Content = JsonContent.Create(new { name = "Made on B" }),
        };
        request.Headers.Add("X-Coffer-Antiforgery", antiforgery);
        Assert.Equal(HttpStatusCode.Created, (await onB.Client.SendAsync(request, Ct)).StatusCode);
    }

    [Fact]
    public async Task SignedDownloadUrlFromA_WorksOnB_AndAlteredFailsThere()
    {
        var user = await _a.NewUserAsync();
        var item = await user.UploadAsync("link.txt", "linked content");
        var link = await (await user.Client.PostAsync($"/api/v1/items/{item.Id}/download-url", null, Ct)).Content.ReadFromJsonAsync<DownloadUrlDto>(Ct);
        var pathAndQuery = new Uri(link!.Url).PathAndQuery;

        var anonymousOnB = _b.CreateClient();
        Assert.Equal("linked content", await anonymousOnB.GetStringAsync(pathAndQuery, Ct));
        await Problem.AssertAsync(await anonymousOnB.GetAsync(pathAndQuery.Replace("&e=", "&e=1", StringComparison.Ordinal), Ct), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task JobLease_IsHeldByOneInstanceAtATime_AndPassesOnWhenItExpires()
    {
        _ = _a.Server;
        _ = _b.Server;

        Assert.True(await TakeAsync(_a, "test-job", TimeSpan.FromMinutes(1)));
        Assert.False(await TakeAsync(_b, "test-job", TimeSpan.FromMinutes(1)));
        Assert.True(await TakeAsync(_a, "test-job", TimeSpan.FromMinutes(1)), "The holder renews its own lease.");

        _b.Clock.Advance(TimeSpan.FromMinutes(2)); // A stopped renewing: by B's clock the lease ran out
        Assert.True(await TakeAsync(_b, "test-job", TimeSpan.FromMinutes(1)));
        Assert.False(await TakeAsync(_a, "test-job", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task JobLease_ManyInstancesAskingAtOnce_ExactlyOneGetsIt()
    {
        _ = _a.Server;
        _ = _b.Server;

        var asks = Enumerable.Range(0, 20).Select(i => TakeAsync(i % 2 == 0 ? _a : _b, "race", TimeSpan.FromMinutes(5)));
        var answers = await Task.WhenAll(asks);

        // Each instance may renew its own lease, so count the instances that got it.
        var winners = answers.Select((taken, i) => (taken, app: i % 2)).Where(x => x.taken).Select(x => x.app).Distinct().Count();
        Assert.Equal(1, winners);
    }

    [Fact]
    public async Task TwoInstancesStartingTogetherOnAnEmptyDatabase_BothStart_AndShareTheServerKeys()
    {
        using var first = ScaleOutApps.First();
        using var second = ScaleOutApps.Another(first);

        await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server)); // both migrate at once

        var user = await first.NewUserAsync();
        var item = await user.UploadAsync("race.txt", "after a racing start");
        var link = await (await user.Client.PostAsync($"/api/v1/items/{item.Id}/download-url", null, Ct)).Content.ReadFromJsonAsync<DownloadUrlDto>(Ct);
        Assert.Equal("after a racing start", await second.CreateClient().GetStringAsync(new Uri(link!.Url).PathAndQuery, Ct));
    }

    private static async Task<bool> TakeAsync(CofferApp app, string job, TimeSpan duration)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JobLeases>().TryTakeAsync(job, duration, Ct);
    }
}
