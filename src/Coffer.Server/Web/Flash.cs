using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Coffer.Server.Web;

/// <summary>A one-line message carried across a redirect and shown as a toast on the next page.</summary>
public static class Flash
{
    public const string Key = "flash";
    public const string KindKey = "flash-kind";

    public static void Success(this ITempDataDictionary tempData, string message)
    {
        tempData[Key] = message;
        tempData[KindKey] = "success";
    }

    public static void Error(this ITempDataDictionary tempData, string message)
    {
        tempData[Key] = message;
        tempData[KindKey] = "error";
    }
}
