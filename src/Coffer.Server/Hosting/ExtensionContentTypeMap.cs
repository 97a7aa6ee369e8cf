using Coffer.Core.Drive;
using Microsoft.AspNetCore.StaticFiles;

namespace Coffer.Server.Hosting;

/// <summary>ASP.NET Core's extension table; unknown extensions are plain bytes.</summary>
internal sealed class ExtensionContentTypeMap : IContentTypeMap
{
    private const string Fallback = "application/octet-stream";
    private readonly FileExtensionContentTypeProvider _provider = new();

    public string Resolve(string fileName) =>
        _provider.TryGetContentType(fileName, out var type) ? type : Fallback;
}
