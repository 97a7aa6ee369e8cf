using System.Net;
using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests.Integrity;

/// <summary>Admins see each background job's holder, last run and outcome (GET /api/v1/admin/jobs); nobody else sees them.</summary>
public sealed class AdminJobsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_SeesTheJobsWithTheirLastRunAndOutcome()
    {
        using var app = new CofferApp();
        var admin = await app.NewUserAsync(); // the first account is the admin

        JobDto? gc = null, scrub = null;
        for (var i = 0; i < 200 && (gc?.LastRun is null || scrub?.LastRun is null); i++)
        {
            var jobs = await admin.Client.GetFromJsonAsync<JobListDto>("/api/v1/admin/jobs", Ct);
            gc = jobs!.Jobs.SingleOrDefault(j => j.Name == "gc");
            scrub = jobs.Jobs.SingleOrDefault(j => j.Name == "scrub");
            await Task.Delay(50, Ct);
        }

        Assert.NotNull(gc?.LastRun);
        Assert.NotNull(gc.Holder); // held between runs by the instance that runs it
        Assert.StartsWith("removed 0 unused blob(s)", gc.LastOutcome, StringComparison.Ordinal);
        Assert.NotNull(scrub?.LastRun);
        Assert.StartsWith("checked 0 blob(s)", scrub.LastOutcome, StringComparison.Ordinal);
        var integrity = await admin.Client.GetFromJsonAsync<IntegrityDto>("/api/v1/admin/integrity", Ct);
        Assert.Equal(scrub.LastOutcome, integrity!.LastScrub?.Outcome);
    }

    [Theory]
    [InlineData("/api/v1/admin/jobs")]
    [InlineData("/api/v1/admin/integrity")]
    public async Task NonAdmin_IsRefused(string path)
    {
        using var app = new CofferApp();
        await app.NewUserAsync();
        var user = await app.NewUserAsync();

        var response = await user.Client.GetAsync(path, Ct);

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
    }
}
