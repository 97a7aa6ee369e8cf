using System.Globalization;
using Coffer.Core;
using Coffer.Core.Drive;
using Coffer.Core.Previews;
using Coffer.Core.Shares;
using Coffer.Server.Shares;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Coffer.Server.Web.Pages.Shares;

/// <summary>
/// The public page of a share link (/s/{token}), for visitors without an account: a file with
/// its preview and a download button, a folder to browse (<c>?path=/sub</c>) and download whole
/// as a zip, or a file request's upload form, which shows nothing of the folder. A password form
/// comes first when the link has one. Unknown links are a 404 page, ended ones a 410 page.
/// </summary>
[AllowAnonymous]
public sealed class PublicModel(ShareService shares, ShareGate gate) : PageModel
{
    public const int PageSize = 200;

    public enum View
    {
        NotFound,
        Gone,
        Password,
        File,
        Folder,
        Request,
    }

    public View Showing { get; private set; }
    public string Token { get; private set; } = "";
    public ShareVisit? Visit { get; private set; }

    /// <summary>The file or folder shown (the shared item, or one below it).</summary>
    public Item? Current { get; private set; }

    /// <summary>The path of <see cref="Current"/> inside the share: "/" for the shared item itself.</summary>
    public string CurrentPath { get; private set; } = "/";

    public IReadOnlyList<Item> Children { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public string? Message { get; private set; }
    public string? Detail { get; private set; }
    public string? PasswordError { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, string? path, string? cursor, CancellationToken cancellationToken)
    {
        if (!await VisitAsync(token, cancellationToken))
            return Page();
        if (!gate.IsAdmitted(HttpContext, Visit!))
            return Show(View.Password);
        if (Visit!.Share.Kind == ShareKind.Request)
            return Show(View.Request);

        try
        {
            Current = await shares.ResolveAsync(Visit, path, cancellationToken);
            CurrentPath = "/" + string.Join('/', SharePath.Parse(path));
            if (Current.Kind == ItemKind.File)
                return Show(View.File);
            (Children, NextCursor) = await shares.ListFolderAsync(Visit, Current, PageSize, cursor, cancellationToken);
            return Show(View.Folder);
        }
        catch (Exception ex) when (ex is NotFoundException or InvalidInputException)
        {
            return NotHere(StatusCodes.Status404NotFound, "There is nothing at that address in this share.");
        }
    }

    /// <summary>The password form. Wrong answers are counted per link and address; a few a minute, then 429.</summary>
    public async Task<IActionResult> OnPostAsync(string token, string? password, CancellationToken cancellationToken)
    {
        if (!await VisitAsync(token, cancellationToken))
            return Page();
        if (!ShareService.HasPassword(Visit!.Share))
            return Redirect(SelfUrl());
        if (gate.Throttled(HttpContext, Visit) is { } retryAfter)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            PasswordError = "Too many wrong passwords. Wait a minute, then try again.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Show(View.Password, keepStatus: true);
        }
        if (!ShareService.VerifyPassword(Visit.Share, password))
        {
            gate.RecordWrongTry(HttpContext, Visit);
            PasswordError = "That password is not right.";
            Response.StatusCode = StatusCodes.Status400BadRequest; // as the other forms answer a refused sign-in
            return Show(View.Password, keepStatus: true);
        }
        gate.Admit(HttpContext, Visit, token);
        return Redirect(SelfUrl());
    }

    // ---- what the view uses -----------------------------------------------------------------------

    public string SelfUrl(string? path = null, string? cursor = null)
    {
        var url = $"/s/{Token}";
        var query = new List<string>();
        if (path is not null && path != "/")
            query.Add("path=" + Uri.EscapeDataString(path));
        if (cursor is not null)
            query.Add("cursor=" + Uri.EscapeDataString(cursor));
        return query.Count == 0 ? url : url + "?" + string.Join('&', query);
    }

    public string ChildPath(Item child) => DrivePath.Combine(CurrentPath, child.Name);

    /// <summary>The file's bytes; for a file inside a shared folder, with its path.</summary>
    public string ContentUrl(string path, bool inline = false) => FileUrl("content", path, inline);

    /// <summary>What the preview partial shows for the current file, from this share's own URLs.</summary>
    public PreviewModel PreviewOf(Item file) =>
        new(file, ContentUrl(CurrentPath, inline: true), ContentUrl(CurrentPath), FileUrl("preview", CurrentPath, inline: false));

    private string FileUrl(string endpoint, string path, bool inline)
    {
        var url = $"/s/{Token}/{endpoint}";
        var query = new List<string>();
        if (path != "/")
            query.Add("path=" + Uri.EscapeDataString(path));
        if (inline)
            query.Add("inline=true");
        return query.Count == 0 ? url : url + "?" + string.Join('&', query);
    }

    public string ZipUrl(string path) => path == "/" ? $"/s/{Token}/zip" : $"/s/{Token}/zip?path={Uri.EscapeDataString(path)}";

    /// <summary>The crumbs from the shared folder down to <see cref="CurrentPath"/>: (name, path).</summary>
    public IReadOnlyList<(string Name, string Path)> Crumbs()
    {
        var crumbs = new List<(string, string)> { (RootName, "/") };
        var names = SharePath.Parse(CurrentPath);
        for (var i = 0; i < names.Count; i++)
            crumbs.Add((names[i], "/" + string.Join('/', names.Take(i + 1))));
        return crumbs;
    }

    /// <summary>The shared item's name (a shared root folder shows as "Shared files": the owner's root has no name of its own).</summary>
    public string RootName => Visit?.Root is { IsRoot: true } ? "Shared files" : Visit?.Root.Name ?? "";

    // ---- helpers -------------------------------------------------------------------------------------

    private async Task<bool> VisitAsync(string token, CancellationToken cancellationToken)
    {
        Token = token;
        try
        {
            Visit = await shares.VisitAsync(token, cancellationToken);
            return true;
        }
        catch (NotFoundException)
        {
            NotHere(StatusCodes.Status404NotFound, "This link does not exist.");
        }
        catch (GoneException gone)
        {
            NotHere(StatusCodes.Status410Gone, gone.Title, gone.Detail);
        }
        return false;
    }

    private PageResult NotHere(int status, string message, string? detail = null)
    {
        Showing = status == StatusCodes.Status410Gone ? View.Gone : View.NotFound;
        Message = message;
        Detail = detail ?? "Check the address, or ask the person who shared it.";
        Response.StatusCode = status;
        // This page explains the status itself; the generic error page must not replace it.
        if (HttpContext.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
            statusPages.Enabled = false;
        return Page();
    }

    private PageResult Show(View view, bool keepStatus = false)
    {
        Showing = view;
        if (keepStatus && HttpContext.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
            statusPages.Enabled = false;
        return Page();
    }
}
