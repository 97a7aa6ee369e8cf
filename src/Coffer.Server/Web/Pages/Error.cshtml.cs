using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages;

/// <summary>
/// What a person sees when something goes wrong: a plain explanation and a way back, with the
/// request id to quote; never a stack trace. Reached by re-execution for error statuses and exceptions.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken] // re-executed for failed POSTs too
public sealed class ErrorModel : PageModel
{
    public int Code { get; private set; }
    public string Heading { get; private set; } = "";
    public string Explanation { get; private set; } = "";
    public string RequestId => HttpContext.TraceIdentifier;

    public IActionResult OnGet(int? code) => Show(code);

    public IActionResult OnPost(int? code) => Show(code);

    private PageResult Show(int? code)
    {
        // Re-executed requests keep the original status; someone opening /error/404 directly gets that one.
        Code = code is >= 400 and < 600 ? code.Value : Response.StatusCode >= 400 ? Response.StatusCode : StatusCodes.Status404NotFound;
        (Heading, Explanation) = Code switch
        {
            404 => ("This page isn't here", "The file or folder may have been moved or deleted, or the link is mistyped."),
            403 => ("You can't do that", "Your session may have expired, or this isn't yours to change. Reload the page and try again."),
            400 or 409 or 413 or 415 or 416 => ("That request didn't work", "Something in it was not valid. Go back and try again."),
            >= 500 => ("Something went wrong on our side", "It has been logged. Try again in a moment; if it keeps happening, tell your administrator the request id below."),
            _ => ("That didn't work", "Go back and try again."),
        };
        Response.StatusCode = Code;
        return Page();
    }
}
