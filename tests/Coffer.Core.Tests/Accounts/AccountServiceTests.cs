using Coffer.Core.Accounts;
using Coffer.Core.Drive;
using Microsoft.EntityFrameworkCore;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Accounts;

public sealed class AccountServiceTests
{
    [Fact]
    public async Task RegisterAsync_FirstUser_IsAdminWithRootFolder()
    {
        await using var h = await StartAsync();

        var first = await h.RegisterAsync("first@example.com");
        var second = await h.RegisterAsync("second@example.com");

        Assert.True(first.IsAdmin);
        Assert.False(second.IsAdmin);
        var root = await h.GetAsync(first.Id, ItemLookup.RootId);
        Assert.True(root.IsRoot);
        Assert.Equal((first.Id, first.Id, ItemKind.Folder), (root.Id, root.OwnerId, root.Kind));
    }

    [Fact]
    public async Task RegisterAsync_ClosedRegistration_FirstMaySecondIsForbidden()
    {
        await using var h = await StartAsync(registration: RegistrationMode.Closed);

        var first = await h.RegisterAsync("first@example.com");
        await Assert.ThrowsAsync<ForbiddenException>(() => h.RegisterAsync("second@example.com"));

        Assert.True(first.IsAdmin);
        await using var db = h.OpenDb();
        Assert.Equal(1, await db.Users.CountAsync(Ct));
    }

    [Theory]
    [InlineData("alice@example.com", "ALICE@EXAMPLE.COM")]
    [InlineData("Alice@Example.com", "alice@example.com")]
    [InlineData("alice@example.com", "  alice@example.com ")]
    public async Task RegisterAsync_EmailTakenIgnoringCase_ThrowsConflict(string first, string second)
    {
        await using var h = await StartAsync();
        await h.RegisterAsync(first);

        var ex = await Assert.ThrowsAsync<ConflictException>(() => h.RegisterAsync(second));

        Assert.Equal("email", ex.Field);
        await using var db = h.OpenDb();
        Assert.Equal(1, await db.Users.CountAsync(Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("1234567")]
    public async Task RegisterAsync_WeakPassword_ThrowsInvalidInput(string? password)
    {
        await using var h = await StartAsync();

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => s.Accounts.RegisterAsync("a@example.com", password, null, Ct));
        Assert.Equal("password", ex.Field);
    }

    [Fact]
    public async Task RegisterAsync_PasswordOverMaxLength_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
            s.Accounts.RegisterAsync("a@example.com", new string('p', PasswordPolicy.MaxLength + 1), null, Ct));
        Assert.Equal("password", ex.Field);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-an-email")]
    [InlineData("a@localhost")]
    [InlineData("Alice <alice@example.com>")]
    public async Task RegisterAsync_BadEmail_ThrowsInvalidInput(string? email)
    {
        await using var h = await StartAsync();

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => s.Accounts.RegisterAsync(email, Password, null, Ct));
        Assert.Equal("email", ex.Field);
    }

    [Fact]
    public async Task RegisterAsync_Password_StoredOnlyAsHash()
    {
        await using var h = await StartAsync();

        var user = await h.RegisterAsync("a@example.com");

        await using var db = h.OpenDb();
        var stored = await db.Users.SingleAsync(Ct);
        Assert.Equal(user.Id, stored.Id);
        Assert.DoesNotContain(Password, stored.PasswordHash, StringComparison.Ordinal);
        Assert.NotEmpty(stored.PasswordHash);
    }

    [Fact]
    public async Task VerifyPasswordAsync_RightPassword_ReturnsUserWhateverTheEmailCase()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync("Alice@Example.com");

        await using var s = h.Scope();
        Assert.Equal(user.Id, (await s.Accounts.VerifyPasswordAsync("alice@example.com", Password, Ct)).Id);
        Assert.Equal(user.Id, (await s.Accounts.VerifyPasswordAsync(" ALICE@EXAMPLE.COM ", Password, Ct)).Id);
    }

    [Fact]
    public async Task VerifyPasswordAsync_UnknownEmailOrWrongPassword_SameException()
    {
        await using var h = await StartAsync();
        await h.RegisterAsync("alice@example.com");

        await using var s = h.Scope();
        var wrongPassword = await Assert.ThrowsAsync<InvalidCredentialsException>(() =>
            s.Accounts.VerifyPasswordAsync("alice@example.com", Password + "!", Ct));
        var unknownEmail = await Assert.ThrowsAsync<InvalidCredentialsException>(() =>
            s.Accounts.VerifyPasswordAsync("nobody@example.com", Password, Ct));
        var noPassword = await Assert.ThrowsAsync<InvalidCredentialsException>(() =>
            s.Accounts.VerifyPasswordAsync("alice@example.com", null, Ct));

        Assert.Equal(unknownEmail.Message, wrongPassword.Message);
        Assert.Equal(unknownEmail.Title, wrongPassword.Title);
        Assert.Equal(unknownEmail.Field, wrongPassword.Field);
        Assert.Equal(unknownEmail.Message, noPassword.Message);
    }

    [Fact]
    public async Task VerifyPasswordAsync_DisabledUser_ThrowsInvalidCredentials()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync("alice@example.com");
        await using (var db = h.OpenDb())
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.Disabled, true), Ct);

        await using var s = h.Scope();
        await Assert.ThrowsAsync<InvalidCredentialsException>(() => s.Accounts.VerifyPasswordAsync("alice@example.com", Password, Ct));
    }

    [Fact]
    public async Task RegisterAsync_DisplayNameWithControlCharacters_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        await using var s = h.Scope();

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => s.Accounts.RegisterAsync("nul@example.com", Password, "Ada\u0000", Ct));

        Assert.Equal("displayName", ex.Field);
    }
}
