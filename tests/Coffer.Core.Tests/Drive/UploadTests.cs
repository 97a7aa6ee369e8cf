using System.Text;
using Coffer.Core.Blobs;
using Coffer.Core.Drive;
using Coffer.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Drive;

/// <summary>
/// The upload commit protocol: checks before the first byte, body into a new blob, metadata commit
/// last, and nothing left behind — neither item nor blob file nor ".partial" — when it fails.
/// </summary>
public sealed class UploadTests
{
    private const int Chunk = BlobPipeline.ChunkBytes;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk + 12345)]
    public async Task UploadAsync_ThenOpenAsync_RoundTripsBytesAndSha256(int length)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var content = RandomBytes(length, seed: length);

        var result = await h.UploadAsync(user.Id, "data.bin", content);

        Assert.False(result.Replaced);
        Assert.Equal(length, result.Item.Size);
        Assert.Equal(Sha256Hex(content), result.Item.Sha256);
        Assert.Equal(content, await h.DownloadAsync(user.Id, result.Item.Id.ToString()));
        var stored = await h.GetAsync(user.Id, result.Item.Id.ToString());
        Assert.Equal(Sha256Hex(content), stored.Sha256);
        Assert.Equal(length, stored.Size);
        Assert.Equal(ItemKind.File, stored.Kind);
        Assert.Equal(user.Id, stored.ParentId);
        Assert.Single(h.BlobFiles());
    }

    [Fact]
    public async Task UploadAsync_SourceThatTrickles_StoresEveryByte()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var content = RandomBytes(2 * Chunk + 777);

        await using var s = h.Scope();
        var result = await s.Drive.UploadAsync(user.Id, "root", "slow.bin", new ScriptedStream(content, maxReadBytes: 1000), null,
            ConflictMode.Fail, Ct);

        Assert.Equal(Sha256Hex(content), result.Item.Sha256);
        Assert.Equal(content, await h.DownloadAsync(user.Id, result.Item.Id.ToString()));
    }

    [Fact]
    public async Task UploadAsync_IntoSubfolder_IsFoundByPathWithContentType()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var docs = await h.CreateFolderAsync(user.Id, "Docs");

        var result = await h.UploadAsync(user.Id, "notes.txt", "hello"u8.ToArray(), docs.Id.ToString());

        await using var s = h.Scope();
        var found = await s.Lookup.GetByPathAsync(user.Id, "/Docs/notes.txt", Ct);
        Assert.Equal(result.Item.Id, found.Id);
        Assert.Equal("text/plain", found.ContentType);
        Assert.Equal("/Docs/notes.txt", await s.Lookup.PathOfAsync(found, Ct));
    }

    [Fact]
    public async Task UploadAsync_BlobKey_IsServerGeneratedNotTheName()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        var result = await h.UploadAsync(user.Id, "secret-plans.txt", "x"u8.ToArray());

        var key = Assert.Single(await h.BlobKeysOfAsync(result.Item.Id));
        Assert.True(BlobKey.IsValid(key));
        Assert.StartsWith($"u/{user.Id:N}/", key, StringComparison.Ordinal);
        Assert.Equal(h.BlobPath(key), Assert.Single(h.BlobFiles()));
        Assert.DoesNotContain("secret", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadAsync_ConflictFail_ThrowsConflictBeforeReadingAndLeavesOriginal()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var original = await h.UploadAsync(user.Id, "a.txt", "original"u8.ToArray());
        var source = new ScriptedStream("new"u8.ToArray());

        await using (var s = h.Scope())
        {
            var ex = await Assert.ThrowsAsync<ConflictException>(() =>
                s.Drive.UploadAsync(user.Id, "root", "a.txt", source, 3, ConflictMode.Fail, Ct));
            Assert.Equal("name", ex.Field);
        }

        Assert.Equal(0, source.Reads);
        Assert.Equal("original"u8.ToArray(), await h.DownloadAsync(user.Id, original.Item.Id.ToString()));
        Assert.Single(h.BlobFiles());
        Assert.Equal(original.Item.Sha256, (await h.GetAsync(user.Id, original.Item.Id.ToString())).Sha256);
    }

    [Fact]
    public async Task UploadAsync_ConflictFailOnFolderName_ThrowsConflict()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.CreateFolderAsync(user.Id, "Docs");

        await Assert.ThrowsAsync<ConflictException>(() => h.UploadAsync(user.Id, "Docs", "x"u8.ToArray()));

        Assert.Empty(h.BlobFiles());
    }

    [Fact]
    public async Task UploadAsync_ConflictRename_StoresAsNameWithCounter()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var first = await h.UploadAsync(user.Id, "report.pdf", "one"u8.ToArray());

        var second = await h.UploadAsync(user.Id, "report.pdf", "two"u8.ToArray(), conflict: ConflictMode.Rename);
        var third = await h.UploadAsync(user.Id, "report.pdf", "three"u8.ToArray(), conflict: ConflictMode.Rename);

        Assert.False(second.Replaced);
        Assert.Equal("report (2).pdf", second.Item.Name);
        Assert.Equal("report (3).pdf", third.Item.Name);
        Assert.Equal("application/pdf", second.Item.ContentType);
        Assert.Equal("one"u8.ToArray(), await h.DownloadAsync(user.Id, first.Item.Id.ToString()));
        Assert.Equal("two"u8.ToArray(), await h.DownloadAsync(user.Id, second.Item.Id.ToString()));
        Assert.Equal("three"u8.ToArray(), await h.DownloadAsync(user.Id, third.Item.Id.ToString()));
        Assert.Equal(3, h.BlobFiles().Count);
    }

    [Fact]
    public async Task UploadAsync_ConflictRenameWhenNameIsFree_KeepsName()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        var result = await h.UploadAsync(user.Id, ".bashrc", "x"u8.ToArray(), conflict: ConflictMode.Rename);

        Assert.Equal(".bashrc", result.Item.Name);
    }

    [Fact]
    public async Task UploadAsync_ConflictRenameOfDotFile_AppendsCounter()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, ".bashrc", "x"u8.ToArray());

        var result = await h.UploadAsync(user.Id, ".bashrc", "y"u8.ToArray(), conflict: ConflictMode.Rename);

        Assert.Equal(".bashrc (2)", result.Item.Name);
    }

    [Fact]
    public async Task UploadAsync_ConflictRenameOf255ByteNameWithLongExtension_StoresNameWithinLimit()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var name = "a." + new string('x', 253); // a valid 255-byte name
        await h.UploadAsync(user.Id, name, "x"u8.ToArray());

        var result = await h.UploadAsync(user.Id, name, "y"u8.ToArray(), conflict: ConflictMode.Rename);

        var stored = await h.GetAsync(user.Id, result.Item.Id.ToString());
        Assert.True(Encoding.UTF8.GetByteCount(stored.Name) <= ItemName.MaxBytes,
            $"The kept-both copy was stored under a {Encoding.UTF8.GetByteCount(stored.Name)}-byte name.");
        Assert.Equal(stored.Name, ItemName.Normalize(stored.Name));
    }

    [Fact]
    public async Task UploadAsync_ConflictReplace_KeepsIdChangesContentKeepsOldVersion()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var original = await h.UploadAsync(user.Id, "a.txt", "original"u8.ToArray());
        var oldKey = Assert.Single(await h.BlobKeysOfAsync(original.Item.Id));
        Assert.True(File.Exists(h.BlobPath(oldKey)));
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var replaced = await h.UploadAsync(user.Id, "a.txt", "replacement"u8.ToArray(), conflict: ConflictMode.Replace);

        Assert.True(replaced.Replaced);
        Assert.Equal(original.Item.Id, replaced.Item.Id);
        var stored = await h.GetAsync(user.Id, original.Item.Id.ToString());
        Assert.Equal(Sha256Hex("replacement"u8.ToArray()), stored.Sha256);
        Assert.Equal("replacement".Length, stored.Size);
        Assert.Equal(original.Item.Created, stored.Created);
        Assert.Equal(original.Item.Modified + TimeSpan.FromMinutes(5), stored.Modified);
        Assert.Equal("replacement"u8.ToArray(), await h.DownloadAsync(user.Id, original.Item.Id.ToString()));

        var keys = await h.BlobKeysOfAsync(original.Item.Id);
        Assert.Equal(2, keys.Count);
        Assert.Contains(oldKey, keys);
        Assert.True(File.Exists(h.BlobPath(oldKey))); // the earlier content is kept as a version
        Assert.Equal(keys.Select(h.BlobPath).Order(StringComparer.Ordinal), h.BlobFiles().Order(StringComparer.Ordinal));
        await using var db = h.OpenDb();
        Assert.Equal(2, await db.Blobs.CountAsync(Ct));
        Assert.Equal(2, await db.FileVersions.CountAsync(Ct));
    }

    [Fact]
    public async Task UploadAsync_ConflictReplaceWhenNameIsFree_CreatesNewFile()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        var result = await h.UploadAsync(user.Id, "a.txt", "x"u8.ToArray(), conflict: ConflictMode.Replace);

        Assert.False(result.Replaced);
        Assert.Equal("x"u8.ToArray(), await h.DownloadAsync(user.Id, result.Item.Id.ToString()));
    }

    [Fact]
    public async Task UploadAsync_ConflictReplaceOnFolder_ThrowsConflictAndRemovesTheNewBlob()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var folder = await h.CreateFolderAsync(user.Id, "Docs");

        await Assert.ThrowsAsync<ConflictException>(() =>
            h.UploadAsync(user.Id, "Docs", RandomBytes(Chunk + 1), conflict: ConflictMode.Replace));

        Assert.Empty(h.BlobFiles());
        Assert.Equal(ItemKind.Folder, (await h.GetAsync(user.Id, folder.Id.ToString())).Kind);
        await using var db = h.OpenDb();
        Assert.Equal(0, await db.Blobs.CountAsync(Ct));
    }

    [Fact]
    public async Task UploadAsync_SourceThrowsMidway_LeavesNoItemAndNoFile()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var content = RandomBytes(3 * Chunk);
        var partialSeen = false;
        var source = new ScriptedStream(content, beforeRead: position =>
        {
            if (position < 2 * Chunk + 100)
                return Task.CompletedTask;
            partialSeen = h.BlobFiles().Any(f => f.EndsWith(".partial", StringComparison.Ordinal));
            throw new IOException("The client went away.");
        }, maxReadBytes: 50_000);

        await using (var s = h.Scope())
        {
            await Assert.ThrowsAsync<IOException>(() =>
                s.Drive.UploadAsync(user.Id, "root", "big.bin", source, content.Length, ConflictMode.Fail, Ct));
        }

        Assert.True(partialSeen, "The failure should come while a partial blob is on disk.");
        await AssertNothingStoredAsync(h, user.Id);
    }

    [Fact]
    public async Task UploadAsync_CancelledMidway_LeavesNoItemAndNoFile()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var content = RandomBytes(3 * Chunk);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var partialSeen = false;
        var source = new ScriptedStream(content, beforeRead: position =>
        {
            if (position >= 2 * Chunk + 100 && !cancel.IsCancellationRequested)
            {
                partialSeen = h.BlobFiles().Any(f => f.EndsWith(".partial", StringComparison.Ordinal));
                cancel.Cancel();
            }
            return Task.CompletedTask;
        }, maxReadBytes: 50_000);

        await using (var s = h.Scope())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                s.Drive.UploadAsync(user.Id, "root", "big.bin", source, null, ConflictMode.Fail, cancel.Token));
        }

        Assert.True(partialSeen, "The cancellation should come while a partial blob is on disk.");
        await AssertNothingStoredAsync(h, user.Id);
    }

    [Fact]
    public async Task UploadAsync_AlreadyCancelledToken_ReadsNothingAndLeavesNoItemAndNoFile()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var source = new ScriptedStream(RandomBytes(Chunk));

        await using (var s = h.Scope())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                s.Drive.UploadAsync(user.Id, "root", "a.bin", source, null, ConflictMode.Fail, new CancellationToken(canceled: true)));
        }

        Assert.Equal(0, source.Reads);
        await AssertNothingStoredAsync(h, user.Id);
    }

    [Theory]
    [InlineData(1000, 1001)]
    [InlineData(Chunk + 10, 3 * Chunk)]
    public async Task UploadAsync_MoreThanMaxUploadBytes_ThrowsPayloadTooLargeAndLeavesNothing(long max, int length)
    {
        await using var h = await StartAsync(maxUploadBytes: max);
        var user = await h.RegisterAsync();

        await using (var s = h.Scope())
        {
            // No declared length: the limit must hold while streaming.
            await Assert.ThrowsAsync<PayloadTooLargeException>(() =>
                s.Drive.UploadAsync(user.Id, "root", "big.bin", new ScriptedStream(RandomBytes(length)), null, ConflictMode.Fail, Ct));
        }

        await AssertNothingStoredAsync(h, user.Id);
    }

    [Fact]
    public async Task UploadAsync_DeclaredLengthBelowLimitButBodyLarger_ThrowsPayloadTooLarge()
    {
        await using var h = await StartAsync(maxUploadBytes: 1000);
        var user = await h.RegisterAsync();

        await using (var s = h.Scope())
        {
            await Assert.ThrowsAsync<PayloadTooLargeException>(() =>
                s.Drive.UploadAsync(user.Id, "root", "liar.bin", new ScriptedStream(RandomBytes(5000)), 10, ConflictMode.Fail, Ct));
        }

        await AssertNothingStoredAsync(h, user.Id);
    }

    [Fact]
    public async Task UploadAsync_ExactlyMaxUploadBytes_Stores()
    {
        await using var h = await StartAsync(maxUploadBytes: 1000);
        var user = await h.RegisterAsync();

        var result = await h.UploadAsync(user.Id, "fits.bin", RandomBytes(1000));

        Assert.Equal(1000, result.Item.Size);
    }

    [Fact]
    public async Task UploadAsync_DeclaredLengthOverLimit_RefusedBeforeReadingAByte()
    {
        await using var h = await StartAsync(maxUploadBytes: 1000);
        var user = await h.RegisterAsync();
        var source = new ScriptedStream(RandomBytes(10), beforeRead: _ => throw Xunit.Sdk.FailException.ForFailure("The body was read although its declared length is over the limit."));

        await using (var s = h.Scope())
        {
            await Assert.ThrowsAsync<PayloadTooLargeException>(() =>
                s.Drive.UploadAsync(user.Id, "root", "big.bin", source, 1001, ConflictMode.Fail, Ct));
        }

        Assert.Equal(0, source.Reads);
        await AssertNothingStoredAsync(h, user.Id);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("trailing.")]
    [InlineData("")]
    public async Task UploadAsync_InvalidName_ThrowsInvalidInputBeforeReading(string name)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var source = new ScriptedStream("x"u8.ToArray());

        await using (var s = h.Scope())
        {
            var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
                s.Drive.UploadAsync(user.Id, "root", name, source, 1, ConflictMode.Fail, Ct));
            Assert.Equal("name", ex.Field);
        }

        Assert.Equal(0, source.Reads);
        await AssertNothingStoredAsync(h, user.Id);
    }

    [Fact]
    public async Task UploadAsync_IntoAFile_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var file = await h.UploadAsync(user.Id, "a.txt", "x"u8.ToArray());

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
            h.UploadAsync(user.Id, "b.txt", "y"u8.ToArray(), file.Item.Id.ToString()));

        Assert.Equal("folderId", ex.Field);
        Assert.Single(h.BlobFiles());
    }

    [Fact]
    public async Task UploadAsync_DecomposedNameOfExistingFile_ThrowsConflict()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, "caf\u00E9.txt", "nfc"u8.ToArray());

        // The same name spelled with a combining accent is the same name once normalised to NFC.
        await Assert.ThrowsAsync<ConflictException>(() => h.UploadAsync(user.Id, "cafe\u0301.txt", "nfd"u8.ToArray()));
    }

    [Fact]
    public async Task UploadAsync_NamesDifferingOnlyInCase_AreDifferentFiles()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        var lower = await h.UploadAsync(user.Id, "readme.txt", "lower"u8.ToArray());
        var upper = await h.UploadAsync(user.Id, "README.txt", "upper"u8.ToArray());

        Assert.NotEqual(lower.Item.Id, upper.Item.Id);
        Assert.Equal("upper"u8.ToArray(), await h.DownloadAsync(user.Id, upper.Item.Id.ToString()));
    }

    [Fact]
    public async Task UploadAsync_ConcurrentSameNameConflictFail_OneWinsOthersConflictNoOrphans()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        var outcomes = await RaceAsync(h, user.Id, ConflictMode.Fail, uploads: 6);

        Assert.Equal(1, outcomes.Count(o => o is UploadResult));
        Assert.All(outcomes.Where(o => o is not UploadResult), o => Assert.IsType<ConflictException>(o));
        var winner = outcomes.OfType<UploadResult>().Single();
        Assert.Equal(h.BlobPath(Assert.Single(await h.BlobKeysOfAsync(winner.Item.Id))), Assert.Single(h.BlobFiles()));
    }

    [Fact]
    public async Task UploadAsync_ConcurrentSameNameConflictRename_AllKeptUnderDistinctNames()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();

        var outcomes = await RaceAsync(h, user.Id, ConflictMode.Rename, uploads: 6);

        Assert.All(outcomes, o => Assert.IsType<UploadResult>(o));
        var names = outcomes.Cast<UploadResult>().Select(r => r.Item.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["same (2).txt", "same (3).txt", "same (4).txt", "same (5).txt", "same (6).txt", "same.txt"], names);
        Assert.Equal(6, h.BlobFiles().Count);
    }

    /// <summary>
    /// Uploads the same name from several requests at once; every body waits until all requests
    /// have passed the checks made before the first byte, so none of them saw another's file there.
    /// </summary>
    private static async Task<object[]> RaceAsync(CoreHarness h, Guid userId, ConflictMode conflict, int uploads)
    {
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<object> UploadOneAsync(int i)
        {
            var source = new ScriptedStream(RandomBytes(1000, seed: i), beforeRead: async position =>
            {
                if (position == 0 && Interlocked.Increment(ref arrived) == uploads)
                    allArrived.SetResult();
                await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            });
            await using var s = h.Scope();
            try
            {
                return await s.Drive.UploadAsync(userId, ItemLookup.RootId, "same.txt", source, null, conflict, Ct);
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
        return await Task.WhenAll(Enumerable.Range(0, uploads).Select(i => Task.Run(() => UploadOneAsync(i), Ct)));
    }

    private static async Task AssertNothingStoredAsync(CoreHarness h, Guid userId)
    {
        Assert.Empty(h.BlobFiles());
        await using var db = h.OpenDb();
        Assert.Equal(0, await db.Items.CountAsync(i => i.OwnerId == userId && i.Kind == ItemKind.File, Ct));
        Assert.Equal(0, await db.FileVersions.CountAsync(Ct));
        Assert.Equal(0, await db.Blobs.CountAsync(Ct));
    }
}
