namespace Coffer.Core.Drive;

/// <summary>The media type a file name implies (from its extension); the host supplies the table.</summary>
public interface IContentTypeMap
{
    string Resolve(string fileName);
}
