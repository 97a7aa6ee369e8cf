using Coffer.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web;

/// <summary>
/// A page with a form: a domain error becomes a message beside the field it names (or above the
/// form), the form is shown again with what was typed, and the answer has the error's status (as the API's would) — never an error page.
/// </summary>
public abstract class FormPage : PageModel
{
    private readonly Dictionary<string, string> _errors = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The message for the whole form, when the error names no field shown on it.</summary>
    public string? FormError { get; private set; }

    public string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    /// <summary>"true" for a field with an error, for aria-invalid; null (no attribute) otherwise.</summary>
    public string? Invalid(string field) => _errors.ContainsKey(field) ? "true" : null;

    /// <summary>The id of the field's error message, for aria-describedby; null when there is none.</summary>
    public string? DescribedBy(string field) => _errors.ContainsKey(field) ? field + "-error" : null;

    protected PageResult Fail(CofferException error, params string[] fieldsOnForm)
    {
        var message = error.Detail is null ? error.Title : $"{error.Title} {error.Detail}";
        if (error.Field is { } field && fieldsOnForm.Contains(field, StringComparer.OrdinalIgnoreCase))
            _errors[field] = message;
        else
            FormError = message;
        // The API's status, except 401: a wrong password typed into a form is not an HTTP authentication challenge.
        var status = Hosting.ProblemExceptionHandler.StatusOf(error);
        Response.StatusCode = status == StatusCodes.Status401Unauthorized ? StatusCodes.Status400BadRequest : status;
        return Page();
    }

    /// <summary>Where to go after signing in: the page asked for if it is on this site, else the files.</summary>
    protected LocalRedirectResult RedirectToLocal(string? returnUrl) =>
        LocalRedirect(!string.IsNullOrEmpty(returnUrl) && Url.IsLocalUrl(returnUrl) ? returnUrl : "/files");
}
