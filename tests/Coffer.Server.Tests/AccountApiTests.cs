using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

public sealed class AccountApiTests : IDisposable
{
    private readonly CofferApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Register_FirstAccount_IsAdminAndLaterOnesAreNot()
    {
        var first = await _app.NewUserAsync();
        var second = await _app.NewUserAsync();

        var firstMe = await first.Client.GetFromJsonAsync<MeDto>("/api/v1/me");
        var secondMe = await second.Client.GetFromJsonAsync<MeDto>("/api/v1/me");

        Assert.True(firstMe!.IsAdmin);
        Assert.False(secondMe!.IsAdmin);
        Assert.Equal(second.Email, secondMe.Email);
        Assert.Equal(second.Id, secondMe.Id);
    }

    [Fact]
    public async Task Register_Answer_HasIdAndEmailOnly()
    {
        var response = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = "new@example.com", password = "long enough", displayName = "New" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("new@example.com", body.GetProperty("email").GetString());
        Assert.True(Guid.TryParse(body.GetProperty("id").GetString(), out _));
        Assert.Equal(2, body.EnumerateObject().Count());
    }

    [Theory]
    [InlineData("short7!", "password")]
    [InlineData("", "password")]
    [InlineData(null, "password")]
    public async Task Register_WeakPassword_Is400NamingPassword(string? password, string field)
    {
        var response = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/register", new { email = "a@example.com", password });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Register_LongPassword_IsAccepted()
    {
        var password = new string('p', 128) + "ünïcødé";
        var client = _app.CreateClient();

        await TestUser.RegisterAsync(client, "long@example.com", password);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("")]
    [InlineData("two@@example.com")]
    public async Task Register_BadEmail_Is400NamingEmail(string email)
    {
        var response = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/register", new { email, password = "long enough" });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "email");
    }

    [Fact]
    public async Task Register_TakenEmailInAnyCase_Is409()
    {
        await _app.NewUserAsync("taken@example.com");

        var response = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = "Taken@Example.com", password = "long enough" });

        await Problem.AssertAsync(response, HttpStatusCode.Conflict, "email");
    }

    [Fact]
    public async Task Register_MalformedJson_Is400Problem()
    {
        var response = await _app.CreateClient().PostAsync("/api/v1/auth/register",
            new StringContent("{\"email\": ", System.Text.Encoding.UTF8, "application/json"));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CreateToken_WrongPasswordAndUnknownEmail_GiveTheSame401()
    {
        var user = await _app.NewUserAsync();
        var client = _app.CreateClient();

        var wrongPassword = await client.PostAsJsonAsync("/api/v1/auth/tokens", new { email = user.Email, password = "wrong password", name = "x" });
        var unknownEmail = await client.PostAsJsonAsync("/api/v1/auth/tokens", new { email = "nobody@example.com", password = "wrong password", name = "x" });

        var a = await Problem.AssertAsync(wrongPassword, HttpStatusCode.Unauthorized);
        var b = await Problem.AssertAsync(unknownEmail, HttpStatusCode.Unauthorized);
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
    }

    [Fact]
    public async Task CreateToken_MissingName_Is400NamingName()
    {
        var user = await _app.NewUserAsync();

        var response = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/tokens", new { email = user.Email, password = TestUser.DefaultPassword });

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task Tokens_ListNeverShowsSecrets_AndRevokedTokensStopWorking()
    {
        var user = await _app.NewUserAsync();
        var second = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/tokens",
            new { email = user.Email, password = TestUser.DefaultPassword, name = "laptop" });
        var secondToken = (await second.Content.ReadFromJsonAsync<NewTokenDto>())!;

        var listText = await user.Client.GetStringAsync("/api/v1/tokens");
        Assert.DoesNotContain(user.Token, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(secondToken.Token, listText, StringComparison.Ordinal);
        var list = JsonSerializer.Deserialize<TokenListDto>(listText, JsonSerializerOptions.Web)!;
        Assert.Equal(["tests", "laptop"], list.Items.Select(t => t.Name));

        var revoke = await user.Client.DeleteAsync($"/api/v1/tokens/{secondToken.Id}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        var revokedClient = _app.CreateClient();
        revokedClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secondToken.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await revokedClient.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Tokens_StoredOnlyAsHashes()
    {
        using var app = new CofferApp(StackKind.Embedded, null); // reads the database file, byte by byte
        var user = await app.NewUserAsync();

        var database = await File.ReadAllBytesAsync(Path.Combine(app.DataDir, "coffer.db"));
        var wal = Path.Combine(app.DataDir, "coffer.db-wal");
        var all = File.Exists(wal) ? [.. database, .. await File.ReadAllBytesAsync(wal)] : database;
        var secret = System.Text.Encoding.UTF8.GetBytes(user.Token["cof_".Length..]);
        Assert.Equal(-1, all.AsSpan().IndexOf(secret));
    }

    [Fact]
    public async Task RevokeToken_OfAnotherUser_Is404AndKeepsIt()
    {
        var alice = await _app.NewUserAsync();
        var bob = await _app.NewUserAsync();
        var aliceTokens = await alice.Client.GetFromJsonAsync<TokenListDto>("/api/v1/tokens");

        var response = await bob.Client.DeleteAsync($"/api/v1/tokens/{aliceTokens!.Items[0].Id}");

        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await alice.Client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer cof_not-a-real-token")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task Me_WithoutValidToken_Is401(string? authorization)
    {
        var client = _app.CreateClient();
        if (authorization is not null)
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.GetAsync("/api/v1/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Me_UsedBytes_CountsStoredFiles()
    {
        var user = await _app.NewUserAsync();
        await user.UploadAsync("a.bin", new byte[1000]);
        await user.UploadAsync("b.bin", new byte[234]);

        var me = await user.Client.GetFromJsonAsync<MeDto>("/api/v1/me");

        Assert.Equal(1234, me!.UsedBytes);
    }
}

public sealed class ClosedRegistrationTests : IDisposable
{
    private readonly CofferApp _app = new(("Coffer:Registration", "Closed"));

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Register_ManyAtOnceOnAFreshServer_OnlyOneGetsIn()
    {
        var client = _app.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.PostAsJsonAsync("/api/v1/auth/register", new { email = $"racer{i}@example.com", password = "long enough" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
    }

    [Fact]
    public async Task Register_WhenClosed_AllowsOnlyTheFirstAccount()
    {
        var admin = await _app.NewUserAsync();

        var response = await _app.CreateClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = "late@example.com", password = "long enough" });

        await Problem.AssertAsync(response, HttpStatusCode.Forbidden);
        var me = await admin.Client.GetFromJsonAsync<MeDto>("/api/v1/me");
        Assert.True(me!.IsAdmin);
    }
}
