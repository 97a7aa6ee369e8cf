using Coffer.Core.Drive;
using Coffer.Core.Persistence;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.E2E.Infrastructure;

/// <summary>
/// The server tests' <see cref="CofferApp"/> (fresh data directory, embedded defaults) on a real
/// Kestrel socket at 127.0.0.1 and a free port, since a browser cannot reach the in-memory
/// TestServer. Use it as a class fixture: one server per test class, each test with its own users.
/// </summary>
/// <remarks>
/// The server runs on the real clock by default, because the browser does too (cookie expiry,
/// relative dates in pages); a subclass may pass <c>fakeClock: true</c> to drive
/// <see cref="CofferApp.Clock"/> instead.
/// </remarks>
public class CofferServer : CofferApp
{
    private readonly bool _fakeClock;

    public CofferServer()
        : this(fakeClock: false)
    {
    }

    protected CofferServer(bool fakeClock, params (string Key, string? Value)[] settings)
        : this(TestStack.Current, fakeClock, settings)
    {
    }

    protected CofferServer(StackKind stack, bool fakeClock, params (string Key, string? Value)[] settings)
        : base(stack, null, settings)
    {
        _fakeClock = fakeClock;
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.Contains("127.0.0.1", StringComparison.Ordinal)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no listening address.");
        BaseUrl = address.TrimEnd('/');
    }

    /// <summary>Where the server listens, like <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string BaseUrl { get; }

    /// <summary>
    /// Puts <paramref name="count"/> files (metadata only, sizes 0..count-1, names file-00000.txt...)
    /// straight into a folder, for listings too big to upload one by one.
    /// </summary>
    public async Task SeedFilesAsync(Guid ownerId, Guid folderId, int count)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CofferDb>();
        var start = DateTimeOffset.UnixEpoch.AddYears(55);
        for (var i = 0; i < count; i++)
        {
            db.Items.Add(new Item
            {
                Id = Guid.CreateVersion7(),
                OwnerId = ownerId,
                ParentId = folderId,
                Name = $"file-{i:00000}.txt",
                Kind = ItemKind.File,
                Size = i,
                ContentType = "text/plain",
                Created = start,
                Modified = start.AddMinutes(i),
            });
        }
        await db.SaveChangesAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (!_fakeClock)
            builder.ConfigureServices(services => services.AddSingleton(TimeProvider.System));
    }
}
