using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coffer.Core.Events;
using Coffer.Core.Persistence;
using Coffer.Core.Shares;
using Coffer.Server.Shares;
using Coffer.Server.Tests.Infrastructure;
using Coffer.Server.Tests.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests.Shares;

/// <summary>The calls share tests make: create a share as its owner, read the database, be a signed-out visitor.</summary>
public static class ShareHelpers
{
    public static async Task<CreatedShareDto> ShareAsync(this TestUser owner, string itemId, object? body = null)
    {
        var response = await owner.Client.PostAsJsonAsync($"/api/v1/items/{itemId}/shares", body ?? new { });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating the share answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CreatedShareDto>())!;
    }

    public static async Task<List<ShareDto>> SharesAsync(this TestUser owner)
    {
        var response = await owner.Client.GetAsync("/api/v1/shares");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ShareListDto>())!.Items.ToList();
    }

    /// <summary>A browser with no account: its own cookie jar, no redirects followed.</summary>
    public static WebSession Visitor(this CofferApp app) => new(app);

    public static async Task<T> DbAsync<T>(this CofferApp app, Func<CofferDb, Task<T>> read)
    {
        using var scope = app.Services.CreateScope();
        return await read(scope.ServiceProvider.GetRequiredService<CofferDb>());
    }

    public static Task<Share> ShareRowAsync(this CofferApp app, Guid id) =>
        app.DbAsync(db => db.Shares.AsNoTracking().SingleAsync(s => s.Id == id));

    /// <summary>The events of one type written for a user, their payloads parsed.</summary>
    public static Task<List<JsonElement>> EventsAsync(this CofferApp app, Guid userId, string type) =>
        app.DbAsync(async db => (await db.OutboxEvents.AsNoTracking().Where(e => e.UserId == userId && e.Type == type).ToListAsync())
            .OrderBy(e => e.Id).Select(e => JsonDocument.Parse(e.Payload).RootElement).ToList());

    /// <summary>Opens a password-protected share's page and posts the password with the page's antiforgery token.</summary>
    public static async Task<HttpResponseMessage> EnterPasswordAsync(this WebSession visitor, string token, string password)
    {
        var page = await visitor.Client.GetAsync($"/s/{token}");
        var html = await page.Content.ReadAsStringAsync();
        return await visitor.PostAsync($"/s/{token}", ("password", password), ("__RequestVerificationToken", WebSession.FormToken(html)));
    }

    public static string Sha256Hex(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
