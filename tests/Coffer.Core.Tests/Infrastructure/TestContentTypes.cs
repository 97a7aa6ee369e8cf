using Coffer.Core.Drive;

namespace Coffer.Core.Tests.Infrastructure;

/// <summary>Just enough of an extension table to see that the content type follows the name.</summary>
public sealed class TestContentTypes : IContentTypeMap
{
    public string Resolve(string fileName) =>
        Path.GetExtension(fileName).ToUpperInvariant() switch
        {
            ".TXT" => "text/plain",
            ".PDF" => "application/pdf",
            _ => "application/octet-stream",
        };
}
