using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Coffer.Server.Api;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Coffer.Server.Tests.Deploy;

/// <summary>
/// deploy/nginx.conf, the shipped reverse-proxy site, run by the real nginx (Debian's
/// /usr/sbin/nginx) in front of a real Kestrel-backed Coffer, over TLS and HTTP/2 as a browser uses it.
/// </summary>
/// <remarks>
/// The site file is used as shipped except for three things, changed by <see cref="RenderSite"/>
/// (and each change must apply, so an edit of the file that the test no longer understands fails
/// it rather than silently testing less):
/// <list type="number">
/// <item>the <c>server</c> lines of <c>upstream coffer</c> become the one test Coffer's address;</item>
/// <item><c>listen 443 …</c> and <c>listen 80</c> become free loopback ports (the <c>[::]</c> lines go);</item>
/// <item><c>ssl_certificate</c>/<c>ssl_certificate_key</c> point to a self-signed pair made here.</item>
/// </list>
/// A small main config around it (<see cref="MainConfig"/>) keeps nginx's pid, logs and temporary
/// directories in a private temporary directory, as Debian's /etc/nginx/nginx.conf would put them in /var.
/// </remarks>
public sealed partial class NginxProxyTests : IAsyncLifetime
{
    private const string NginxPath = "/usr/sbin/nginx";
    private const long MiB = 1024 * 1024;
    private const long LargeSize = 1024 * MiB; // "a 1 GiB upload through nginx works"

    private RecordingCofferApp? _app;
    private string? _dir;
    private Process? _nginx;
    private string? _certThumbprint;
    private int _httpsPort;
    private int _httpPort;

    private RecordingCofferApp App => _app ?? throw new InvalidOperationException("Not started.");
    private string NginxDir => _dir ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(NginxPath))
        {
            var reason = $"nginx is not installed ({NginxPath} is missing); the reverse-proxy test needs Debian's nginx package.";
            if (Environment.GetEnvironmentVariable("COFFER_TEST_SERVERS_REQUIRED") == "1")
                Assert.Fail(reason + " test.sh should have installed it (apt-get install nginx); COFFER_TEST_SERVERS_REQUIRED=1.");
            Assert.Skip(reason);
        }

        _app = new RecordingCofferApp(("Coffer:TrustedProxies", "127.0.0.1")); // nginx, as deploy/nginx.conf asks
        _app.UseKestrel(0);
        _app.StartServer();

        _dir = Directory.CreateTempSubdirectory("coffer-nginx-").FullName;
        var (certPath, keyPath) = WriteSelfSignedCertificate(_dir);
        _httpsPort = FreePort();
        _httpPort = FreePort();
        var site = RenderSite(File.ReadAllText(ShippedConfigPath()), App.KestrelAddress, _httpsPort, _httpPort, certPath, keyPath);
        File.WriteAllText(Path.Combine(_dir, "coffer-site.conf"), site);
        File.WriteAllText(Path.Combine(_dir, "nginx.conf"), MainConfig());

        var check = RunNginx("-t");
        await check.WaitForExitAsync();
        Assert.True(check.ExitCode == 0, "nginx -t refused the rendered deploy/nginx.conf:\n" + await check.StandardError.ReadToEndAsync());

        _nginx = RunNginx("-g", "daemon off;");
        await WaitForPortAsync(_httpsPort);
        await WaitForPortAsync(_httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        if (_nginx is not null)
        {
            // `nginx -s stop` signals the master (through the pid file), which stops its workers too.
            using (var stop = RunNginx("-s", "stop"))
                await stop.WaitForExitAsync();
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _nginx.WaitForExitAsync(exited.Token);
            }
            catch (OperationCanceledException)
            {
                _nginx.Kill(entireProcessTree: true);
            }
            _nginx.Dispose();
        }
        _app?.Dispose();
        if (_dir is not null)
            Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task OneGibUpload_StreamsThroughNginx_AndDownloadsWithRanges()
    {
        using var client = NginxClient();
        var user = await TestUser.RegisterAsync(client, "proxy@example.com", TestUser.DefaultPassword);
        var expectedSha = GeneratedStream.Sha256Of(LargeSize, seed: 7);
        using var spool = new SpoolWatch(NginxDir, _nginx!.Id);

        var content = new StreamContent(new GeneratedStream(LargeSize, seed: 7), 256 * 1024);
        content.Headers.ContentLength = LargeSize;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var timer = Stopwatch.StartNew();
        var response = await user.Client.PutAsync(TestUser.ContentUrl("root", "big.bin"), content);
        var uploadTime = timer.Elapsed;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version); // the shipped listen line speaks HTTP/2
        var item = (await response.Content.ReadFromJsonAsync<ItemDto>())!;
        Assert.Equal(LargeSize, item.Size);
        Assert.Equal(expectedSha, item.Sha256);

        // The whole file back: with proxy_buffering on, nginx would spool it to proxy_temp.
        timer.Restart();
        using (var download = await user.Client.GetAsync($"/api/v1/items/{item.Id}/content", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(LargeSize, download.Content.Headers.ContentLength); // not dropped by gzip or chunking
            await using var body = await download.Content.ReadAsStreamAsync();
            Assert.Equal(expectedSha, Convert.ToHexStringLower(await SHA256.HashDataAsync(body)));
        }
        var downloadTime = timer.Elapsed;

        var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/items/{item.Id}/content");
        range.Headers.Range = new RangeHeaderValue(1000, 1999);
        var partial = await user.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes 1000-1999/{LargeSize}", partial.Content.Headers.ContentRange?.ToString());
        Assert.Equal(ExpectedBytes(seed: 7, from: 1000, count: 1000), await partial.Content.ReadAsByteArrayAsync());

        // Neither body touched nginx's disk: proxy_request_buffering off and proxy_buffering off.
        var spooled = await spool.StopAsync();
        Assert.True(spooled.Hits == 0, $"nginx spooled a body to disk: {spooled.Hits} samples saw {spooled.Where} open.");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"1 GiB through nginx: upload {uploadTime.TotalSeconds:0.0} s, download {downloadTime.TotalSeconds:0.0} s; " +
            $"nginx's open files sampled {spooled.Samples} times, none in its temp dirs.");
    }

    [Fact]
    public async Task Coffer_GetsTheForwardedHeaders_AndSignedUrlsSurviveTheProxy()
    {
        using var client = NginxClient();
        var user = await TestUser.RegisterAsync(client, "headers@example.com", TestUser.DefaultPassword);
        var item = await user.UploadAsync("a b%2F.txt", "signed content");

        // What a client claims about itself is replaced, not passed along.
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/items/{item.Id}/download-url") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        var linkResponse = await user.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, linkResponse.StatusCode);
        var link = (await linkResponse.Content.ReadFromJsonAsync<DownloadUrlDto>())!;

        var seen = App.Seen.Last(r => r.Path.EndsWith("/download-url", StringComparison.Ordinal));
        Assert.Equal("127.0.0.1", seen.Host); // $host: the public name, without the port
        Assert.Equal("127.0.0.1", seen.ForwardedFor);
        Assert.Equal("https", seen.ForwardedProto);
        Assert.Equal("127.0.0.1", seen.ForwardedHost);
        Assert.Equal("HTTP/1.1", seen.Protocol); // proxy_http_version 1.1

        // Coffer trusts nginx's headers (Coffer:TrustedProxies): the link is the public https one,
        // and its path and query, signature included, come through nginx intact.
        Assert.StartsWith("https://127.0.0.1/api/v1/download/", link.Url, StringComparison.Ordinal);
        var signed = new Uri(link.Url);
        using var anonymous = NginxClient();
        var download = await anonymous.GetAsync(signed.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("signed content", await download.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PlainHttp_RedirectsToHttps()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };

        var response = await client.GetAsync("/api/v1/download/x?u=1&s=2");

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("https://127.0.0.1/api/v1/download/x?u=1&s=2", response.Headers.Location?.ToString());
    }

    /// <summary>
    /// The transformation described on the class: upstream servers, listen ports and certificate
    /// paths; every other line of the shipped file is kept as it is.
    /// </summary>
    internal static string RenderSite(string shipped, string upstream, int httpsPort, int httpPort, string certPath, string keyPath)
    {
        var output = new List<string>();
        int upstreams = 0, https = 0, http = 0, certs = 0, keys = 0;
        var inUpstream = false;
        foreach (var line in shipped.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("upstream coffer ", StringComparison.Ordinal))
                inUpstream = true;
            else if (inUpstream && trimmed == "}")
                inUpstream = false;

            if (inUpstream && trimmed.StartsWith("server ", StringComparison.Ordinal))
            {
                if (upstreams++ == 0)
                    output.Add($"    server {upstream};");
                continue;
            }
            if (trimmed.StartsWith("listen [::]:", StringComparison.Ordinal))
                continue; // loopback IPv4 is enough here
            if (ListenRegex().Match(line) is { Success: true } listen)
            {
                var port = listen.Groups["port"].Value == "443" ? httpsPort : httpPort;
                _ = listen.Groups["port"].Value == "443" ? https++ : http++;
                output.Add($"{listen.Groups["head"].Value}127.0.0.1:{port}{listen.Groups["rest"].Value}");
                continue;
            }
            if (CertificateRegex().Match(line) is { Success: true } cert)
            {
                var isKey = cert.Groups["key"].Success;
                _ = isKey ? keys++ : certs++;
                output.Add($"{cert.Groups["head"].Value}{(isKey ? keyPath : certPath)};");
                continue;
            }
            output.Add(line);
        }

        Assert.True(upstreams >= 1 && https == 1 && http == 1 && certs == 1 && keys == 1,
            $"deploy/nginx.conf no longer has the shape this test renders (upstream servers {upstreams}, " +
            $"listen 443 {https}, listen 80 {http}, ssl_certificate {certs}, ssl_certificate_key {keys}).");
        return string.Join('\n', output);
    }

    [GeneratedRegex(@"^(?<head>\s*listen\s+)(?<port>80|443)(?<rest>(\s[^;]*)?;.*)$")]
    private static partial Regex ListenRegex();

    [GeneratedRegex(@"^(?<head>\s*ssl_certificate(?<key>_key)?\s+)[^;\s]+;\s*$")]
    private static partial Regex CertificateRegex();

    /// <summary>Around the site: what Debian's /etc/nginx/nginx.conf provides, with every path in the private directory.</summary>
    private static string MainConfig() =>
        $$"""
        # Written by NginxProxyTests around coffer-site.conf (deploy/nginx.conf, rendered).
        {{(Environment.IsPrivilegedProcess ? "user root; # workers read the private (0700) directory" : "")}}
        worker_processes 1;
        pid nginx.pid;
        error_log error.log warn;

        events {
            worker_connections 256;
        }

        http {
            # As Debian's main config has them, so the site's own settings are what make the difference.
            sendfile on;
            tcp_nopush on;
            gzip on;
            access_log access.log;

            client_body_temp_path client_body_temp;
            proxy_temp_path proxy_temp;
            fastcgi_temp_path fastcgi_temp;
            uwsgi_temp_path uwsgi_temp;
            scgi_temp_path scgi_temp;

            include coffer-site.conf;
        }
        """;

    private Process RunNginx(params string[] args)
    {
        var start = new ProcessStartInfo(NginxPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // -p: relative paths in the configs are under the private directory; -e: even the
        // earliest errors go there rather than to /var/log/nginx.
        foreach (var arg in (string[])["-p", NginxDir + "/", "-c", Path.Combine(NginxDir, "nginx.conf"), "-e", Path.Combine(NginxDir, "error.log"), .. args])
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
    }

    private async Task WaitForPortAsync(int port)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (_nginx!.HasExited)
                Assert.Fail($"nginx exited ({_nginx.ExitCode}): {await File.ReadAllTextAsync(Path.Combine(NginxDir, "error.log"))}");
            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        Assert.Fail($"nginx did not listen on 127.0.0.1:{port} within 10 s.");
    }

    /// <summary>An HTTP/2-over-TLS client to the nginx server, trusting only the certificate made for it.</summary>
    private HttpClient NginxClient()
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate?.GetCertHashString() == _certThumbprint;
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://127.0.0.1:{_httpsPort}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(10), // a 1 GiB transfer on a busy 2-core machine
        };
    }

    private (string Cert, string Key) WriteSelfSignedCertificate(string dir)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        _certThumbprint = certificate.Thumbprint;
        var certPath = Path.Combine(dir, "cert.pem");
        var keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    private static string ShippedConfigPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "deploy", "nginx.conf");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("deploy/nginx.conf not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static byte[] ExpectedBytes(int seed, int from, int count)
    {
        var bytes = new byte[from + count];
        new GeneratedStream(bytes.Length, seed).ReadExactly(bytes);
        return bytes[from..];
    }

    /// <summary>
    /// Samples, until stopped, the files nginx has open under its private directory's temporary
    /// directories (request bodies in client_body_temp, responses in proxy_temp). nginx unlinks such
    /// a file as soon as it creates it, so listing the directories shows nothing: its processes'
    /// open descriptors (/proc/PID/fd) do.
    /// </summary>
    private sealed class SpoolWatch : IDisposable
    {
        private readonly string[] _dirs;
        private readonly int[] _pids;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _hits;
        private int _samples;
        private string _where = "";

        public SpoolWatch(string nginxDir, int masterPid)
        {
            _dirs = [Path.Combine(nginxDir, "client_body_temp") + "/", Path.Combine(nginxDir, "proxy_temp") + "/"];
            _pids = [masterPid, .. ChildrenOf(masterPid)];
            Assert.True(_pids.Length > 1, "nginx has no worker process to watch.");
            _loop = Task.Run(LoopAsync);
        }

        private static IEnumerable<int> ChildrenOf(int parent)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                    continue;
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(dir, "stat"));
                }
                catch (IOException)
                {
                    continue; // gone meanwhile
                }
                // "pid (comm) state ppid ...": comm may hold spaces, so count from the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == parent)
                    yield return pid;
            }
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var pid in _pids)
                {
                    string[] fds;
                    try
                    {
                        fds = Directory.GetFiles($"/proc/{pid}/fd");
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        continue;
                    }
                    foreach (var fd in fds)
                    {
                        try
                        {
                            var target = new FileInfo(fd).LinkTarget;
                            if (target is null || !_dirs.Any(d => target.StartsWith(d, StringComparison.Ordinal)))
                                continue;
                            _hits++;
                            _where = target;
                        }
                        catch (IOException)
                        {
                            // closed meanwhile
                        }
                    }
                }
                _samples++;
                try
                {
                    await Task.Delay(20, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async Task<(int Hits, string Where, int Samples)> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return (_hits, _where, _samples);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    /// <summary>A Coffer over Kestrel that records what each request looked like on arrival, before any of Coffer's own middleware.</summary>
    private sealed class RecordingCofferApp(params (string Key, string? Value)[] settings) : CofferApp(settings)
    {
        public ConcurrentQueue<SeenRequest> Seen { get; } = new();

        /// <summary>host:port for nginx's upstream block.</summary>
        public string KestrelAddress
        {
            get
            {
                var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                var uri = new Uri(address);
                return $"{(uri.Host == "localhost" ? "127.0.0.1" : uri.Host)}:{uri.Port}";
            }
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new Recorder(Seen)));
        }

        private sealed class Recorder(ConcurrentQueue<SeenRequest> seen) : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use((context, nextMiddleware) =>
                {
                    var headers = context.Request.Headers;
                    seen.Enqueue(new SeenRequest(
                        context.Request.Path.Value ?? "", context.Request.Protocol, headers.Host.ToString(),
                        headers["X-Forwarded-For"].ToString(), headers["X-Forwarded-Proto"].ToString(), headers["X-Forwarded-Host"].ToString()));
                    return nextMiddleware(context);
                });
                next(app);
            };
        }
    }

    private sealed record SeenRequest(string Path, string Protocol, string Host, string ForwardedFor, string ForwardedProto, string ForwardedHost);
}
