using Microsoft.Extensions.Configuration;

namespace Coffer.Data;

/// <summary>Reads which implementation a setting chooses while services are being registered.</summary>
public static class ConfigurationChoice
{
    /// <summary>
    /// The enum value at <paramref name="key"/>, or <paramref name="fallback"/> when it is unset or not
    /// one of the names. A wrong name is not an error here: the options bound from the same key
    /// fail start-up's validation with a message that names the key.
    /// </summary>
    public static TEnum Read<TEnum>(IConfiguration configuration, string key, TEnum fallback)
        where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(configuration[key], ignoreCase: true, out var value) && Enum.IsDefined(value) ? value : fallback;
}
