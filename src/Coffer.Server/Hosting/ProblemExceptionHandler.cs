using Coffer.Core;
using Coffer.Core.Blobs;
using Coffer.Core.Crypto;
using Coffer.Server.Web;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Coffer.Server.Hosting;

/// <summary>
/// The one place exceptions become answers: domain exceptions map to their status codes with a
/// problem document; anything else is logged and answered with a 500 that reveals nothing.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.RequestAborted.IsCancellationRequested)
            return true; // the client left: nobody to answer
        if (WebModule.IsPageRequest(context))
        {
            if (StatusOf(exception) >= 500)
                LogUnhandled(exception, context.Request.Method, OriginalPath(context));
            return false; // a person's browser: the exception handler middleware renders the error page
        }

        var problem = exception switch
        {
            CofferException e => Problem(StatusOf(e), e.Title, e.Detail, e.Field),
            BadHttpRequestException e => Problem(e.StatusCode, BadRequestTitle(e), BadRequestDetail(e), null),
            BlobNotFoundException => Problem(StatusCodes.Status500InternalServerError,
                "The file's content is missing from storage.", "An administrator has been told; see the server log.", null),
            BlobIntegrityException => Problem(StatusCodes.Status500InternalServerError,
                "The file's stored content failed its integrity check.", "It has been altered or damaged in storage; an administrator has been told.", null),
            MissingKeyException => Problem(StatusCodes.Status500InternalServerError,
                "The key that protects this file is not available.", "An administrator has been told; see the server log.", null),
            _ => Problem(StatusCodes.Status500InternalServerError, "An unexpected error occurred.", null, null),
        };
        if (exception is QuotaExceededException quota)
        {
            problem.Extensions["quotaBytes"] = quota.QuotaBytes;
            problem.Extensions["usedBytes"] = quota.UsedBytes;
            problem.Extensions["freeBytes"] = quota.FreeBytes;
        }
        if (problem.Status >= 500)
            LogUnhandled(exception, context.Request.Method, OriginalPath(context));

        context.Response.StatusCode = problem.Status!.Value;
        if (exception is RangeNotSatisfiableException range)
            context.Response.Headers.ContentRange = $"bytes */{range.Length}";
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails Problem(int status, string title, string? detail, string? field)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (field is not null)
            problem.Extensions["field"] = field;
        return problem;
    }

    /// <summary>The status code an exception answers with; 500 for anything that is not a domain error.</summary>
    public static int StatusOf(Exception exception) => exception switch
    {
        CofferException e => StatusOf(e),
        BadHttpRequestException e => e.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static int StatusOf(CofferException exception) => exception switch
    {
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        PayloadTooLargeException => StatusCodes.Status413PayloadTooLarge,
        ForbiddenException => StatusCodes.Status403Forbidden,
        GoneException => StatusCodes.Status410Gone,
        InvalidCredentialsException => StatusCodes.Status401Unauthorized,
        RangeNotSatisfiableException => StatusCodes.Status416RangeNotSatisfiable,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string BadRequestTitle(BadHttpRequestException exception) =>
        exception.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.";

    /// <summary>The JSON reader says where the body went wrong; the framework's own words name the parameter.</summary>
    private static string BadRequestDetail(BadHttpRequestException exception) =>
        exception.InnerException is System.Text.Json.JsonException json ? json.Message : exception.Message;

    private static string OriginalPath(HttpContext context) =>
        context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path.Value ?? "";

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error for {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, string path);
}

/// <summary>A Range that lies wholly past the end of the file (416, with <c>Content-Range: bytes */length</c>).</summary>
internal sealed class RangeNotSatisfiableException(long length)
    : CofferException("The requested range is not satisfiable.", $"The file is {length} bytes long.", "Range")
{
    public long Length { get; } = length;
}
