using Coffer.Core;
using System.Text.Json;
using System.Text.Json.Serialization;
using Coffer.Core.Drive;
using Coffer.Server.Api;
using Coffer.Server.Jobs;
using Coffer.Server.Web;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Coffer.Server.Hosting;

/// <summary>Cross-cutting host concerns: defaults, logging, errors, health, security headers.</summary>
public static partial class HostingServices
{
    public const string DefaultUrl = "http://localhost:5080";

    /// <summary>Listen on <see cref="DefaultUrl"/> unless told otherwise; structured JSON logs with the request id.</summary>
    public static void UseCofferDefaults(this WebApplicationBuilder builder)
    {
        var configured = builder.Configuration["urls"] ?? builder.Configuration["http_ports"] ?? builder.Configuration["https_ports"];
        if (string.IsNullOrEmpty(configured) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(DefaultUrl);

        // The UI's files come from the build output's static web assets manifest in every environment,
        // so `dotnet run` serves them whatever ASPNETCORE_ENVIRONMENT says (a published app has them in wwwroot).
        builder.WebHost.UseStaticWebAssets();

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true; // LogRequestAsync's scope carries RequestId and the (redacted) path
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
        // The built-in request lines include query strings, which can carry signatures: ours leave them out.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Its request scope holds the raw path, and a share link's path is its token: LogRequestAsync opens one without it.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        // A lost race on a unique name is handled (409), yet EF logs the failed command as an error;
        // real database failures still surface through the exception handler's log.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Update", LogLevel.None);
    }

    public static IServiceCollection AddCofferHosting(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            c.ProblemDetails.Extensions["traceId"] = c.HttpContext.TraceIdentifier);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true); // bad JSON reaches the handler above
        services.ConfigureHttpJsonOptions(o =>
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.AddSingleton<IContentTypeMap, ExtensionContentTypeMap>();
        services.AddSingleton<DataDirLock>();
        services.AddHostedService<StartupTasks>();
        services.AddCofferJobs();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<BlobStoreHealthCheck>("blob-store", tags: [ReadyTag]);
        services.AddOpenApi();
        return services;
    }

    public static void UseCofferHosting(this WebApplication app)
    {
        app.Use(LogRequestAsync);
        app.Use(AddSecurityHeaders);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Reached only for page requests: API errors are answered by ProblemExceptionHandler.
            ExceptionHandlingPath = "/error",
            StatusCodeSelector = ProblemExceptionHandler.StatusOf,
            // A domain error (404, 409...) is an answer, not a failure; ProblemExceptionHandler logs the real ones.
            SuppressDiagnosticsCallback = _ => true,
        });
        app.UseCofferWebErrors();
    }

    private const string ReadyTag = "ready";

    public static void MapCofferHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
    }

    /// <summary>Runs the server; a configuration error ends it with one clear line instead of a stack trace.</summary>
    public static async Task<int> RunCofferAsync(this WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            var failures = string.Join(" ", ex.Failures);
            LogConfigurationError(app.Logger, failures);
            return 1;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            // Several option classes failed at once: say every problem, one line.
            var failures = string.Join(" ", ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures));
            LogConfigurationError(app.Logger, failures);
            return 1;
        }
        catch (StartupException ex)
        {
            LogConfigurationError(app.Logger, ex.Message);
            return 1;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The configuration binder's own message names the key and the value.
            LogConfigurationError(app.Logger, ex.Message);
            return 1;
        }
    }

    /// <summary>Set as the response starts, so error answers (whose headers the exception handler clears) get them too.</summary>
    private static Task AddSecurityHeaders(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers["X-Request-Id"] = context.TraceIdentifier;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            // Pages load their own scripts and styles; content shown inline may be framed by them but runs
            // no script; anything else (API answers, downloads) may load nothing and runs sandboxed if a
            // browser is ever made to render it.
            var preview = ContentPolicy.For(context);
            headers.XFrameOptions = preview is null ? "DENY" : "SAMEORIGIN";
            headers.ContentSecurityPolicy = WebModule.IsPage(context) ? CspNonce.PagePolicy(context)
                : preview ?? "default-src 'none'; frame-ancestors 'none'; sandbox";
            return Task.CompletedTask;
        });
        return next(context);
    }

    private static async Task LogRequestAsync(HttpContext context, RequestDelegate next)
    {
        var started = TimeProvider.System.GetTimestamp();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Coffer.Requests");
        var path = LoggedPath(context.Request.Path);
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["RequestId"] = context.TraceIdentifier,
            ["RequestPath"] = path,
        });
        try
        {
            await next(context);
        }
        finally
        {
            // The path only: query strings can carry signatures and file names.
            if (logger.IsEnabled(LogLevel.Information))
            {
                var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
                var elapsedMs = TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
                LogRequest(logger, context.Request.Method, path, status, elapsedMs);
            }
        }
    }

    /// <summary>The path as logs may show it: a share link's token is its credential, so "/s/{token}/zip" is logged as "/s/…/zip".</summary>
    internal static string LoggedPath(PathString path)
    {
        var value = path.Value ?? "";
        if (!path.StartsWithSegments("/s", StringComparison.Ordinal, out var rest) || !rest.HasValue)
            return value;
        var afterToken = rest.Value!.IndexOf('/', 1);
        return "/s/…" + (afterToken < 0 ? "" : rest.Value[afterToken..]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string path, int statusCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Coffer cannot start, the configuration is wrong: {Problem}")]
    private static partial void LogConfigurationError(ILogger logger, string problem);
}
