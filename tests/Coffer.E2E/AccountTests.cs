using System.Text.RegularExpressions;
using Coffer.E2E.Infrastructure;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Coffer.E2E;

/// <summary>The account side of the UI in a real browser: sign-up, sign-in and out, settings, tokens, the 404 page, the skip link.</summary>
public sealed partial class AccountTests(BrowserFixture browser, CofferServer server) : BrowserTest(browser, server), IClassFixture<CofferServer>
{
    private const string NewPassword = "a brand new passphrase";

    [Fact]
    public async Task SignUp_ThroughTheForm_LandsOnMyFilesWithTheWelcomeToast()
    {
        var email = NewEmail();
        await GoToAsync("/signup");

        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Your name (optional)").FillAsync("Ada");
        await Page.GetByLabel("Password").FillAsync(TestUser.DefaultPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My files", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("/files$"));
        await Expect(Page.Toast("Welcome to Coffer!")).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Banner)).ToContainTextAsync(email);
    }

    [Fact]
    public async Task SignUp_WeakPassword_ShowsTheErrorBesideTheField()
    {
        await GoToAsync("/signup");

        await Page.GetByLabel("Email").FillAsync(NewEmail());
        await Page.GetByLabel("Password").FillAsync("short");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

        var password = Page.GetByLabel("Password");
        await Expect(password).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(password).ToHaveAccessibleDescriptionAsync(new Regex("at least 8 characters"));
    }

    [Fact]
    public async Task SignOut_ThenSignIn_ReturnsToMyFiles()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.Toast("You are signed out.")).ToBeVisibleAsync();
        await GoToAsync("/files");
        await Expect(Page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2Ffiles$"));

        await Page.SignInAsync(user);
        await Expect(Page.GetByRole(AriaRole.Banner)).ToContainTextAsync(user.Email);
    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsTheError()
    {
        var user = await NewUserAsync();
        await GoToAsync("/signin");

        await Page.GetByLabel("Email").FillAsync(user.Email);
        await Page.GetByLabel("Password").FillAsync("not the password");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Invalid email or password." })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByLabel("Email")).ToHaveValueAsync(user.Email);
    }

    [Fact]
    public async Task ChangePassword_InSettings_ShowsTheSuccessToastAndTheNewPasswordWorks()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Settings", Level = 1 })).ToBeVisibleAsync();

        await Page.GetByLabel("Current password").FillAsync(TestUser.DefaultPassword);
        await Page.GetByLabel("New password").FillAsync(NewPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();

        await Expect(Page.Toast("Your password has been changed.")).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Page.GetByLabel("Email").FillAsync(user.Email);
        await Page.GetByLabel("Password").FillAsync(NewPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My files", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_ShowsTheErrorBesideTheField()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        await GoToAsync("/settings");

        await Page.GetByLabel("Current password").FillAsync("not the password");
        await Page.GetByLabel("New password").FillAsync(NewPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();

        var current = Page.GetByLabel("Current password");
        await Expect(current).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(current).ToHaveAccessibleDescriptionAsync("The current password is not correct.");
    }

    [Fact]
    public async Task CreateToken_ShowsItOnceAndRevokeRemovesIt()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        await GoToAsync("/settings");

        await Page.GetByLabel("Token name").FillAsync("laptop backup");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();

        var secret = Page.GetByRole(AriaRole.Textbox, new() { Name = "New token secret" });
        await Expect(secret).ToHaveValueAsync(new Regex("^cof_[A-Za-z0-9_-]{20,}$"));
        var tokens = Page.GetByRole(AriaRole.Table, new() { Name = "Your tokens" });
        await Expect(tokens.GetByRole(AriaRole.Cell, new() { Name = "laptop backup", Exact = true })).ToBeVisibleAsync();

        // The page answered a post; reloading it must show the settings, not post the form (and make a token) again.
        await Expect(Page).ToHaveURLAsync(new Regex("/settings$"));
        await Page.ReloadAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Personal access tokens" })).ToBeVisibleAsync();
        await Expect(secret).ToHaveCountAsync(0);
        await Expect(tokens.GetByRole(AriaRole.Cell, new() { Name = "laptop backup", Exact = true })).ToHaveCountAsync(1);

        string? asked = null;
        Page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };
        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke laptop backup" }).ClickAsync();

        await Expect(Page.Toast("The token has been revoked.")).ToBeVisibleAsync();
        await Expect(tokens.GetByRole(AriaRole.Cell, new() { Name = "laptop backup", Exact = true })).ToHaveCountAsync(0);
        await Expect(tokens.GetByRole(AriaRole.Cell, new() { Name = "tests", Exact = true })).ToBeVisibleAsync(); // the API client's token stays
        Assert.Contains("laptop backup", asked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeToken_DismissedConfirmation_KeepsIt()
    {
        var user = await NewUserAsync();
        await Page.SignInAsync(user);
        await GoToAsync("/settings");
        await Page.GetByLabel("Token name").FillAsync("keep me");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Textbox, new() { Name = "New token secret" })).ToBeVisibleAsync();

        var asked = false;
        Page.Dialog += async (_, dialog) =>
        {
            asked = true;
            await dialog.DismissAsync();
        };
        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke keep me" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Textbox, new() { Name = "New token secret" })).ToBeVisibleAsync(); // no navigation happened
        Assert.True(asked);
        await Page.ReloadAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Revoke keep me" })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MissingPage_ShowsThe404Page(bool signedIn)
    {
        if (signedIn)
            await Page.SignInAsync(await NewUserAsync());

        var response = await GoToAsync(signedIn ? $"/files/{Guid.NewGuid()}" : "/no-such-page");

        Assert.Equal(404, response.Status);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "This page isn't here", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Go to my files" })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData("/settings")]
    [InlineData("/files")]
    public async Task Keyboard_FirstTab_ReachesTheSkipLinkWhichMovesToTheContent(string path)
    {
        await Page.SignInAsync(await NewUserAsync());
        await GoToAsync(path);

        await Page.Keyboard.PressAsync("Tab");

        var skip = Page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" });
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToBeInViewportAsync(); // visible while focused, not only to screen readers
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.GetByRole(AriaRole.Main)).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Keyboard_SignUpPage_StartsInTheEmailField()
    {
        await GoToAsync("/signup");

        await Expect(Page.GetByLabel("Email")).ToBeFocusedAsync();
    }

    private static string NewEmail() => $"e2e-{Guid.NewGuid():N}@example.com";
}
