using System.Security.Cryptography;
using System.Text;
using Coffer.Core.Accounts;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Accounts;

public sealed class AccessTokenServiceTests
{
    [Fact]
    public async Task AuthenticateAsync_CreatedSecret_ReturnsOwner()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync("alice@example.com");

        NewAccessToken token;
        await using (var s = h.Scope())
            token = await s.Tokens.CreateAsync("alice@example.com", Password, "laptop", Ct);

        await using (var s = h.Scope())
            Assert.Equal(user.Id, await s.Tokens.AuthenticateAsync(token.Secret, Ct));
        Assert.StartsWith(AccessTokenService.SecretPrefix, token.Secret, StringComparison.Ordinal);
        Assert.Equal("laptop", token.Info.Name);
    }

    [Fact]
    public async Task CreateAsync_WrongPassword_ThrowsInvalidCredentialsAndStoresNothing()
    {
        await using var h = await StartAsync();
        await h.RegisterAsync("alice@example.com");

        await using (var s = h.Scope())
            await Assert.ThrowsAsync<InvalidCredentialsException>(() => s.Tokens.CreateAsync("alice@example.com", "wrong password", "x", Ct));

        await using var db = h.OpenDb();
        Assert.Equal(0, await db.AccessTokens.CountAsync(Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("lap\u0000top")] // PostgreSQL cannot store NUL in text: refused as input, for every provider
    [InlineData("new\nline")]
    public async Task CreateForAsync_NoNameOrControlCharacters_ThrowsInvalidInput(string? name)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => s.Tokens.CreateForAsync(user.Id, name, Ct));
        Assert.Equal("name", ex.Field);
    }

    [Fact]
    public async Task AuthenticateAsync_RevokedSecret_ReturnsNull()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var token = await CreateAsync(h, user.Id);

        await using (var s = h.Scope())
            await s.Tokens.RevokeAsync(user.Id, token.Info.Id, Ct);

        await using (var s = h.Scope())
        {
            Assert.Null(await s.Tokens.AuthenticateAsync(token.Secret, Ct));
            Assert.Empty(await s.Tokens.ListAsync(user.Id, Ct));
        }
    }

    [Fact]
    public async Task RevokeAsync_AnotherUsersToken_ThrowsNotFoundAndTokenStillWorks()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var bob = await h.RegisterAsync();
        var token = await CreateAsync(h, alice.Id);

        await using (var s = h.Scope())
            await Assert.ThrowsAsync<NotFoundException>(() => s.Tokens.RevokeAsync(bob.Id, token.Info.Id, Ct));

        await using (var s = h.Scope())
            Assert.Equal(alice.Id, await s.Tokens.AuthenticateAsync(token.Secret, Ct));
    }

    [Fact]
    public async Task CreateForAsync_Row_HoldsOnlyTheHashNeverTheSecret()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var token = await CreateAsync(h, user.Id);
        var random = token.Secret[AccessTokenService.SecretPrefix.Length..];

        // Read the row as raw column values, not through the entity, so nothing can hide a column.
        var values = new List<string>();
        await using (var connection = new SqliteConnection(h.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM AccessTokens";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                for (var i = 0; i < reader.FieldCount; i++)
                    values.Add(reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!);
            }
        }

        Assert.NotEmpty(values);
        Assert.All(values, v => Assert.DoesNotContain(random, v, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token.Secret))), values);
        var dbBytes = await File.ReadAllBytesAsync(h.DatabasePath, Ct);
        Assert.DoesNotContain(random, Encoding.UTF8.GetString(dbBytes), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("cof_")]
    [InlineData("cof_not-a-real-token")]
    [InlineData("Bearer cof_x")]
    [InlineData("xyz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task AuthenticateAsync_UnknownSecret_ReturnsNull(string secret)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await CreateAsync(h, user.Id);

        await using var s = h.Scope();
        Assert.Null(await s.Tokens.AuthenticateAsync(secret, Ct));
    }

    [Fact]
    public async Task AuthenticateAsync_SecretWithOneCharacterChanged_ReturnsNull()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var token = await CreateAsync(h, user.Id);
        var changed = token.Secret[..^1] + (token.Secret[^1] == 'A' ? 'B' : 'A');

        await using var s = h.Scope();
        Assert.Null(await s.Tokens.AuthenticateAsync(changed, Ct));
    }

    [Fact]
    public async Task AuthenticateAsync_ExpiredToken_ReturnsNull()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var token = await CreateAsync(h, user.Id);
        var expires = h.Clock.GetUtcNow().AddHours(1);
        await using (var db = h.OpenDb())
            await db.AccessTokens.ExecuteUpdateAsync(t => t.SetProperty(x => x.Expires, expires), Ct);

        await using (var s = h.Scope())
            Assert.Equal(user.Id, await s.Tokens.AuthenticateAsync(token.Secret, Ct));
        h.Clock.Advance(TimeSpan.FromHours(1));
        await using (var s = h.Scope())
            Assert.Null(await s.Tokens.AuthenticateAsync(token.Secret, Ct));
    }

    [Fact]
    public async Task AuthenticateAsync_DisabledUser_ReturnsNull()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var token = await CreateAsync(h, user.Id);
        await using (var db = h.OpenDb())
            await db.Users.ExecuteUpdateAsync(u => u.SetProperty(x => x.Disabled, true), Ct);

        await using var s = h.Scope();
        Assert.Null(await s.Tokens.AuthenticateAsync(token.Secret, Ct));
    }

    [Fact]
    public async Task AuthenticateAsync_Success_RecordsLastUsed()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var token = await CreateAsync(h, user.Id);
        h.Clock.Advance(TimeSpan.FromMinutes(10));

        await using (var s = h.Scope())
            await s.Tokens.AuthenticateAsync(token.Secret, Ct);

        await using (var s = h.Scope())
            Assert.Equal(h.Clock.GetUtcNow(), Assert.Single(await s.Tokens.ListAsync(user.Id, Ct)).LastUsed);
    }

    [Fact]
    public async Task ListAsync_OtherUsersTokens_NotListed()
    {
        await using var h = await StartAsync();
        var alice = await h.RegisterAsync();
        var bob = await h.RegisterAsync();
        var alices = await CreateAsync(h, alice.Id);
        await CreateAsync(h, bob.Id);

        await using var s = h.Scope();
        Assert.Equal(alices.Info.Id, Assert.Single(await s.Tokens.ListAsync(alice.Id, Ct)).Id);
    }

    private static async Task<NewAccessToken> CreateAsync(CoreHarness h, Guid userId)
    {
        await using var s = h.Scope();
        return await s.Tokens.CreateForAsync(userId, "cli", Ct);
    }
}
