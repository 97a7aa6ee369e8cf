using Coffer.Core.Blobs;
using Coffer.Core.Previews;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Core.Tests.Previews;

/// <summary>
/// A thumbnail is given up on only when its content is refused; a store that fails for a while
/// leaves the row queued for a later run, and a row that keeps failing does not hold up the rest.
/// </summary>
public sealed class ThumbnailRetryTests : IAsyncDisposable
{
    private readonly FlakyBlobStore _flaky = new();
    private CoreHarness _harness = null!;

    private static CancellationToken Ct => CoreHarness.Ct;

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
            await _harness.DisposeAsync();
    }

    private async Task StartAsync() =>
        _harness = await CoreHarness.StartAsync(configure: services => services.AddSingleton<IBlobStore>(sp =>
        {
            _flaky.Inner = sp.GetRequiredService<LocalBlobStore>();
            return _flaky;
        }));

    /// <summary>Uploads an image and queues its thumbnail (the harness's type table does not know ".png").</summary>
    private async Task<(Guid VersionId, string StoreKey)> QueuedImageAsync(Guid userId, string name, DateTimeOffset created)
    {
        var upload = await _harness.UploadAsync(userId, name, ThumbnailImageTests.Image(64, 48));
        await using var db = _harness.OpenDb();
        var version = await db.FileVersions.Include(v => v.Blob).SingleAsync(v => v.ItemId == upload.Item.Id, Ct);
        db.Thumbnails.Add(new Thumbnail { VersionId = version.Id, State = ThumbnailState.Pending, Created = created });
        await db.SaveChangesAsync(Ct);
        return (version.Id, version.Blob.StoreKey);
    }

    private async Task<(int Made, int Failed)> RunAsync(int max)
    {
        await using var s = _harness.Scope();
        return await s.Get<Thumbnails>().MakePendingAsync(max, () => Task.CompletedTask, Ct);
    }

    private async Task<ThumbnailState> StateAsync(Guid versionId)
    {
        await using var db = _harness.OpenDb();
        return await db.Thumbnails.Where(t => t.VersionId == versionId).Select(t => t.State).SingleAsync(Ct);
    }

    [Fact]
    public async Task StoreFailingForAWhile_LeavesTheRowPending_AndTheRunMovesOn_ThenALaterRunMakesIt()
    {
        await StartAsync();
        var user = await _harness.RegisterAsync();
        var now = _harness.Clock.GetUtcNow();
        var stuck = await QueuedImageAsync(user.Id, "first.png", now);           // oldest: tried first
        var fine = await QueuedImageAsync(user.Id, "second.png", now.AddSeconds(1));
        _flaky.FailingKeys.Add(stuck.StoreKey);

        var first = await RunAsync(max: 2);

        Assert.Equal((1, 0), first);
        Assert.Equal(ThumbnailState.Pending, await StateAsync(stuck.VersionId));
        Assert.Equal(ThumbnailState.Ready, await StateAsync(fine.VersionId));
        Assert.Equal(1, _flaky.FailedReads); // tried once in the run, not again and again

        _flaky.FailingKeys.Clear();
        var second = await RunAsync(max: 2);

        Assert.Equal((1, 0), second);
        Assert.Equal(ThumbnailState.Ready, await StateAsync(stuck.VersionId));
    }

    [Fact]
    public async Task StoreDown_EachRunTriesABoundedNumberOfRows()
    {
        await StartAsync();
        var user = await _harness.RegisterAsync();
        var now = _harness.Clock.GetUtcNow();
        var queued = new List<(Guid VersionId, string StoreKey)>();
        for (var i = 0; i < 4; i++)
            queued.Add(await QueuedImageAsync(user.Id, $"p{i}.png", now.AddSeconds(i)));
        foreach (var (_, key) in queued)
            _flaky.FailingKeys.Add(key);

        Assert.Equal((0, 0), await RunAsync(max: 2));

        Assert.Equal(2, _flaky.FailedReads);
        foreach (var (versionId, _) in queued)
            Assert.Equal(ThumbnailState.Pending, await StateAsync(versionId));
    }

    [Fact]
    public async Task BlobGoneForGood_IsFailed()
    {
        await StartAsync();
        var user = await _harness.RegisterAsync();
        var gone = await QueuedImageAsync(user.Id, "gone.png", _harness.Clock.GetUtcNow());
        File.Delete(_harness.BlobPath(gone.StoreKey));

        Assert.Equal((0, 1), await RunAsync(max: 2));

        Assert.Equal(ThumbnailState.Failed, await StateAsync(gone.VersionId));
    }

    /// <summary>The local store, except that reads of chosen keys fail as a network blip would.</summary>
    private sealed class FlakyBlobStore : IBlobStore
    {
        public LocalBlobStore Inner { get; set; } = null!;
        public HashSet<string> FailingKeys { get; } = [];
        public int FailedReads { get; private set; }

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
        {
            if (!FailingKeys.Contains(key))
                return Inner.OpenReadAsync(key, cancellationToken);
            FailedReads++;
            throw new IOException("The store is not answering (test).");
        }

        public Task<IBlobWriter> BeginWriteAsync(string key, CancellationToken cancellationToken) => Inner.BeginWriteAsync(key, cancellationToken);
        public Task DeleteAsync(string key, CancellationToken cancellationToken) => Inner.DeleteAsync(key, cancellationToken);
        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => Inner.ExistsAsync(key, cancellationToken);
        public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) => Inner.ListAsync(prefix, cancellationToken);
        public Task CheckHealthAsync(CancellationToken cancellationToken) => Inner.CheckHealthAsync(cancellationToken);
    }
}
