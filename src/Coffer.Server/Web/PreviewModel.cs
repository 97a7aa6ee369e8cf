using Coffer.Core.Drive;
using Coffer.Core.Previews;

namespace Coffer.Server.Web;

/// <summary>
/// What the preview partial (<c>Pages/Shared/_Preview.cshtml</c>) shows for one file, with the
/// URLs of the door that shows it: the app's item endpoints, or a share page's own.
/// </summary>
/// <param name="ContentUrl">The bytes, shown inline: e.g. <c>/api/v1/items/{id}/content?inline=true</c>.</param>
/// <param name="DownloadUrl">The bytes as an attachment.</param>
/// <param name="PreviewUrl">The rendered page of a Markdown, text or source file (<see cref="PreviewPage"/>); unused for other kinds.</param>
public sealed record PreviewModel(Item Item, string ContentUrl, string DownloadUrl, string PreviewUrl)
{
    public PreviewKind Kind { get; } = PreviewRules.Of(Item.Name, Item.ContentType);

    /// <summary>The type's icon (<see cref="Display.Kind"/>), shown when there is no preview.</summary>
    public string Icon => Display.Kind(Item);

    /// <summary>The app's own URLs for a file its viewer may read.</summary>
    public static PreviewModel ForApp(Item item) => new(
        item,
        $"/api/v1/items/{item.Id}/content?inline=true",
        $"/api/v1/items/{item.Id}/content",
        $"/api/v1/items/{item.Id}/preview");
}
