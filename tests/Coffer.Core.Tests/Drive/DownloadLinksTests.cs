using System.Security.Cryptography;
using Coffer.Core.Accounts;
using Coffer.Core.Drive;
using Coffer.Core.Tests.Infrastructure;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Drive;

public sealed class DownloadLinksTests
{
    [Fact]
    public async Task Verify_UnchangedGrant_True()
    {
        await using var h = await StartAsync();
        var (user, file, grant, signature) = await CreateLinkAsync(h);

        await using var s = h.Scope();
        Assert.True(s.Links.Verify(grant, signature));
        Assert.Equal((user.Id, file.Id, file.CurrentVersionId!.Value), (grant.UserId, grant.ItemId, grant.VersionId));
        Assert.Equal(h.Clock.GetUtcNow() + DownloadLinks.DefaultLifetime, grant.Expires);
        Assert.Matches("^[0-9a-f]{64}$", signature);
    }

    [Fact]
    public async Task Verify_AnyGrantFieldChanged_False()
    {
        await using var h = await StartAsync();
        var (_, _, grant, signature) = await CreateLinkAsync(h);
        DownloadGrant[] tampered =
        [
            grant with { UserId = Guid.CreateVersion7() },
            grant with { ItemId = Guid.CreateVersion7() },
            grant with { VersionId = Guid.CreateVersion7() },
            grant with { Expires = grant.Expires.AddSeconds(1) },
            grant with { Expires = grant.Expires.AddDays(365) },
            grant with { Expires = grant.Expires.AddSeconds(-1) },
            grant with { UserId = grant.ItemId, ItemId = grant.UserId },
        ];

        await using var s = h.Scope();
        Assert.True(s.Links.Verify(grant, signature));
        Assert.All(tampered, t => Assert.False(s.Links.Verify(t, signature), $"A changed grant verified: {t}"));
    }

    [Fact]
    public async Task Verify_SignatureChanged_False()
    {
        await using var h = await StartAsync();
        var (_, _, grant, signature) = await CreateLinkAsync(h);
        var flipped = (signature[0] == '0' ? "1" : "0") + signature[1..];
        var lastFlipped = signature[..^1] + (signature[^1] == '0' ? "1" : "0");
        string?[] bad = [flipped, lastFlipped, signature[..^2], signature + "00", "", null, new string('z', 64), new string('0', 64)];

        await using var s = h.Scope();
        Assert.All(bad, b => Assert.False(s.Links.Verify(grant, b), $"Signature '{b}' verified."));
    }

    [Fact]
    public async Task Verify_SignedWithAnotherKey_False()
    {
        await using var h = await StartAsync();
        var (_, _, grant, signature) = await CreateLinkAsync(h);

        await using var s = h.Scope();
        var otherServer = new DownloadLinks(new DownloadLinks.SigningKey(RandomNumberGenerator.GetBytes(32)), s.Lookup, h.Clock);
        Assert.False(otherServer.Verify(grant, signature));
    }

    [Fact]
    public async Task Verify_AfterExpiry_False()
    {
        await using var h = await StartAsync();
        var (_, _, grant, signature) = await CreateLinkAsync(h, expiresInSeconds: 60);

        await using var s = h.Scope();
        h.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(s.Links.Verify(grant, signature));
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(s.Links.Verify(grant, signature));
        h.Clock.Advance(TimeSpan.FromDays(1));
        Assert.False(s.Links.Verify(grant, signature));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(7 * 24 * 3600 + 1)]
    public async Task CreateAsync_LifetimeOutOfRange_ThrowsInvalidInput(int seconds)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var file = await h.UploadAsync(user.Id, "a.txt", "x"u8.ToArray());

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => s.Links.CreateAsync(user.Id, file.Item.Id.ToString(), seconds, Ct));
        Assert.Equal("expiresInSeconds", ex.Field);
    }

    [Fact]
    public async Task CreateAsync_Folder_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var folder = await h.CreateFolderAsync(user.Id, "Docs");

        await using var s = h.Scope();
        await Assert.ThrowsAsync<InvalidInputException>(() => s.Links.CreateAsync(user.Id, folder.Id.ToString(), null, Ct));
    }

    [Fact]
    public async Task OpenVersionAsync_VerifiedGrant_ReturnsThatVersionsBytes()
    {
        await using var h = await StartAsync();
        var (user, file, grant, signature) = await CreateLinkAsync(h);

        await using var s = h.Scope();
        Assert.True(s.Links.Verify(grant, signature));
        var content = await s.Drive.OpenVersionAsync(grant.UserId, grant.ItemId, grant.VersionId, Ct);
        await using var stream = content.Content;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        Assert.Equal("linked"u8.ToArray(), copy.ToArray());
        Assert.Equal(user.Id, content.Item.OwnerId);
        Assert.Equal(file.Id, content.Item.Id);
    }

    [Fact]
    public async Task OpenVersionAsync_GrantOfReplacedVersion_ThrowsNotFound()
    {
        await using var h = await StartAsync();
        var (user, _, grant, _) = await CreateLinkAsync(h);
        await h.UploadAsync(user.Id, "linked.txt", "newer"u8.ToArray(), conflict: ConflictMode.Replace);

        await using var s = h.Scope();
        await Assert.ThrowsAsync<NotFoundException>(() => s.Drive.OpenVersionAsync(grant.UserId, grant.ItemId, grant.VersionId, Ct));
    }

    private static async Task<(User User, Item File, DownloadGrant Grant, string Signature)> CreateLinkAsync(
        CoreHarness h, int? expiresInSeconds = null)
    {
        var user = await h.RegisterAsync();
        var file = (await h.UploadAsync(user.Id, "linked.txt", "linked"u8.ToArray())).Item;
        await using var s = h.Scope();
        var (grant, signature) = await s.Links.CreateAsync(user.Id, file.Id.ToString(), expiresInSeconds, Ct);
        return (user, file, grant, signature);
    }
}
