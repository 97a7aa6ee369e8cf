using System.Collections.Concurrent;
using Coffer.Server.Hosting;
using Coffer.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coffer.Server.Tests.Shares;

/// <summary>A share link's path is its credential: request logs and the scopes of every log line leave it out.</summary>
public sealed class ShareLoggingTests : IDisposable
{
    private readonly LoggingApp _app = new();

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData("/s/abc", "/s/…")]
    [InlineData("/s/abc/zip", "/s/…/zip")]
    [InlineData("/s/abc/content", "/s/…/content")]
    [InlineData("/s", "/s")]
    [InlineData("/settings", "/settings")]
    [InlineData("/api/v1/shares", "/api/v1/shares")]
    public void LoggedPath_HidesOnlyTheToken(string path, string logged) =>
        Assert.Equal(logged, HostingServices.LoggedPath(path));

    [Fact]
    public async Task VisitingAShare_LogsThePathWithoutItsToken()
    {
        var owner = await _app.NewUserAsync();
        var file = await owner.UploadAsync("notes.txt", "hello");
        var share = await owner.ShareAsync(file.Id, new { password = "pw" });
        using var visitor = _app.Visitor();

        await visitor.Client.GetAsync($"/s/{share.Token}");
        await visitor.Client.GetAsync($"/s/{share.Token}/content"); // refused: no password cookie (a warning-free 403)
        await visitor.Client.GetAsync($"/s/{share.Token}/zip");

        var lines = _app.Lines.ToArray();
        Assert.Contains(lines, line => line.Contains("/s/…/content", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(share.Token, StringComparison.Ordinal));
    }

    /// <summary>A server whose request logs (and their scopes) are kept in memory.</summary>
    private sealed class LoggingApp : CofferApp
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging
                .AddFilter("Coffer.Requests", LogLevel.Information)
                .AddProvider(new CapturingProvider(Lines)));
        }
    }

    private sealed class CapturingProvider(ConcurrentQueue<string> lines) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = new System.Text.StringBuilder(formatter(state, exception));
                provider._scopes.ForEachScope((scope, text) =>
                {
                    text.Append(" | ").Append(scope);
                    if (scope is IEnumerable<KeyValuePair<string, object>> pairs)
                        foreach (var (key, value) in pairs)
                            text.Append(' ').Append(key).Append('=').Append(value);
                }, line);
                provider.Add(line.ToString());
            }
        }

        private void Add(string line) => lines.Enqueue(line);
    }
}
