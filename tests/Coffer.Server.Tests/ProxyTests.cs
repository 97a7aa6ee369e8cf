using System.Net.Http.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

/// <summary>X-Forwarded-* headers count only when they come from a proxy named in Coffer:TrustedProxies.</summary>
public sealed class ProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FromATrustedProxy_SignedLinksUseTheForwardedSchemeAndHost()
    {
        using var app = new CofferApp(("Coffer:TrustedProxies", "10.0.0.0/8, 127.0.0.1"));
        app.UseKestrel(0);

        Assert.StartsWith("https://files.example.com/api/v1/download/", await LinkThroughProxyAsync(app), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithNoTrustedProxy_ForwardedHeadersAreIgnored()
    {
        using var app = new CofferApp();
        app.UseKestrel(0);

        Assert.StartsWith("http://127.0.0.1:", await LinkThroughProxyAsync(app), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromAnUntrustedAddress_ForwardedHeadersAreIgnored()
    {
        using var app = new CofferApp(("Coffer:TrustedProxies", "10.1.2.3"));
        app.UseKestrel(0);

        Assert.StartsWith("http://127.0.0.1:", await LinkThroughProxyAsync(app), StringComparison.Ordinal);
    }

    /// <summary>A download-url request as nginx would pass it on for https://files.example.com.</summary>
    private static async Task<string> LinkThroughProxyAsync(CofferApp app)
    {
        var user = await app.NewUserAsync();
        var item = await user.UploadAsync("a.txt", "x");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/items/{item.Id}/download-url") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "files.example.com");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        var response = await user.Client.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DownloadUrlDto>(Ct))!.Url;
    }
}
