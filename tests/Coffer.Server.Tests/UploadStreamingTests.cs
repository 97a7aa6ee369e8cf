using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;

namespace Coffer.Server.Tests;

/// <summary>Uploads over a real socket (Kestrel): limits, dropped clients, and multi-GB files in bounded memory.</summary>
public sealed class UploadStreamingTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly CofferApp _app = new(("Coffer:Limits:MaxUploadBytes", (8 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public UploadStreamingTests()
    {
        _app.UseKestrel(0);
        _app.StartServer();
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Upload_DeclaredOverTheLimit_Is413BeforeReadingTheBody()
    {
        var user = await _app.NewUserAsync();
        var content = new StreamContent(new GeneratedStream(9 * MiB));
        content.Headers.ContentLength = 9 * MiB;

        var response = await user.Client.PutAsync(TestUser.ContentUrl("root", "big.bin"), content);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("8388608", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await user.ChildrenAsync()).Items);
        Assert.Empty(_app.StoredBlobs());
    }

    [Fact]
    public async Task Upload_ChunkedOverTheLimit_Is413AndLeavesNothing()
    {
        var user = await _app.NewUserAsync();
        var content = new StreamContent(new GeneratedStream(9 * MiB));
        content.Headers.ContentLength = null; // chunked: the server finds out while reading

        var response = await user.Client.PutAsync(TestUser.ContentUrl("root", "big.bin"), content);

        await Problem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty((await user.ChildrenAsync()).Items);
        await AssertNoBlobFilesAsync();
    }

    [Fact]
    public async Task Upload_ExactlyAtTheLimit_IsAccepted()
    {
        var user = await _app.NewUserAsync();

        var response = await user.Client.PutAsync(TestUser.ContentUrl("root", "max.bin"), new StreamContent(new GeneratedStream(8 * MiB)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(8 * MiB, (await response.Content.ReadFromJsonAsync<ItemDto>())!.Size);
    }

    [Fact]
    public async Task Upload_ClientDropsMidway_LeavesNothingVisibleAndNoBlob()
    {
        var user = await _app.NewUserAsync();
        var content = new StreamContent(new GeneratedStream(6 * MiB, failAfter: 3 * MiB));
        content.Headers.ContentLength = 6 * MiB;

        await Assert.ThrowsAnyAsync<Exception>(() => user.Client.PutAsync(TestUser.ContentUrl("root", "dropped.bin"), content));

        await AssertNoBlobFilesAsync();
        Assert.Empty((await user.ChildrenAsync()).Items);
    }

    [Fact]
    public async Task Upload_ClientCancels_LeavesNothingVisibleAndNoBlob()
    {
        var user = await _app.NewUserAsync();
        using var cancel = new CancellationTokenSource();
        var content = new StreamContent(new CancellingStream(new GeneratedStream(6 * MiB), 2 * MiB, cancel));
        content.Headers.ContentLength = 6 * MiB;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            user.Client.PutAsync(TestUser.ContentUrl("root", "cancelled.bin"), content, cancel.Token));

        await AssertNoBlobFilesAsync();
        Assert.Empty((await user.ChildrenAsync()).Items);
    }

    /// <summary>The server notices a dropped client asynchronously; give its clean-up a moment to run.</summary>
    private async Task AssertNoBlobFilesAsync()
    {
        for (var i = 0; i < 100 && _app.StoredBlobs().Count > 0; i++)
            await Task.Delay(100);
        Assert.Empty(_app.StoredBlobs());
    }

    /// <summary>Cancels the token once the given number of bytes has been read from it.</summary>
    private sealed class CancellingStream(Stream inner, long cancelAfter, CancellationTokenSource cancel) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= cancelAfter)
                cancel.Cancel();
            var n = inner.Read(buffer, offset, count);
            _read += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= cancelAfter)
            {
                // Cancel, then keep trickling: the client must abort on its own, and if it never
                // did, the upload would complete and the test fail rather than hang.
                await cancel.CancelAsync();
                await Task.Delay(50, CancellationToken.None);
            }
            var n = await inner.ReadAsync(buffer, cancellationToken);
            _read += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// A file larger than 2 GiB (so any 32-bit size would overflow) goes up and comes back over a
/// real socket while the process's peak resident memory grows by far less than the file.
/// </summary>
public sealed class LargeFileTests : IDisposable
{
    private const long MiB = 1024 * 1024;

    /// <summary>3 GiB unless COFFER_TEST_LARGE_MB says otherwise (CI machines may have little disk).</summary>
    private static readonly long Size = long.TryParse(Environment.GetEnvironmentVariable("COFFER_TEST_LARGE_MB"), out var mb) ? mb * MiB : 3072 * MiB;

    /// <summary>Far below the file size; generous for the runtime, the test host and the client in this same process.</summary>
    private const long MaxGrowth = 256 * MiB;

    private readonly CofferApp _app = new();

    public LargeFileTests()
    {
        _app.UseKestrel(0);
        _app.StartServer();
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task MultiGigabyteFile_RoundTrips_InBoundedMemory()
    {
        Assert.True(OperatingSystem.IsLinux(), "Peak-memory measurement reads /proc/self (Linux).");
        var user = await _app.NewUserAsync();
        var expectedSha = GeneratedStream.Sha256Of(Size, seed: 42);

        var baseline = ResetPeakResident();
        var content = new StreamContent(new GeneratedStream(Size, seed: 42), 256 * 1024);
        content.Headers.ContentLength = Size;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await user.Client.PutAsync(TestUser.ContentUrl("root", "huge.bin"), content);
        var uploadPeak = PeakResident();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<ItemDto>())!;
        Assert.Equal(Size, item.Size);
        Assert.Equal(expectedSha, item.Sha256);
        Assert.True(uploadPeak - baseline < MaxGrowth,
            $"Upload of {Size / MiB} MiB grew peak RSS by {(uploadPeak - baseline) / MiB} MiB (limit {MaxGrowth / MiB} MiB).");

        ResetPeakResident();
        using var download = await user.Client.GetAsync($"/api/v1/items/{item.Id}/content", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(Size, download.Content.Headers.ContentLength);
        await using var body = await download.Content.ReadAsStreamAsync();
        var downloadedSha = Convert.ToHexStringLower(await SHA256.HashDataAsync(body));
        var downloadPeak = PeakResident();

        Assert.Equal(expectedSha, downloadedSha);
        Assert.True(downloadPeak - baseline < MaxGrowth,
            $"Download of {Size / MiB} MiB grew peak RSS by {(downloadPeak - baseline) / MiB} MiB (limit {MaxGrowth / MiB} MiB).");

        // A range near the end of the file, past the 32-bit boundary.
        var tail = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{item.Id}/content");
        tail.Headers.Range = new RangeHeaderValue(Size - 10, null);
        var tailResponse = await user.Client.SendAsync(tail);
        Assert.Equal(HttpStatusCode.PartialContent, tailResponse.StatusCode);
        Assert.Equal($"bytes {Size - 10}-{Size - 1}/{Size}", tailResponse.Content.Headers.ContentRange?.ToString());
        Assert.Equal(10, (await tailResponse.Content.ReadAsByteArrayAsync()).Length);
    }

    /// <summary>Resets the kernel's peak-RSS mark (VmHWM) to the current RSS and returns it.</summary>
    private static long ResetPeakResident()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
        return PeakResident();
    }

    private static long PeakResident()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
