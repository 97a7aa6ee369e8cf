using System.Globalization;
using System.Text;

namespace Coffer.Core.Drive;

/// <summary>
/// The one place that decides what a file or folder may be called: 1–255 bytes of UTF-8 after
/// NFC normalisation; no '/', '\', NUL or control characters; not "." or ".."; no trailing
/// space or dot (which some file systems and clients silently drop).
/// </summary>
public static class ItemName
{
    public const int MaxBytes = 255;

    /// <summary>Returns the name in NFC, or throws <see cref="InvalidInputException"/> saying what is wrong.</summary>
    public static string Normalize(string? raw, string field = "name")
    {
        if (string.IsNullOrEmpty(raw))
            throw Invalid("A name is required.", field);
        if (!IsWellFormedUtf16(raw))
            throw Invalid("The name is not valid Unicode.", field);

        string name;
        try
        {
            name = raw.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // Noncharacters such as U+FFFE cannot be normalised, and have no place in a name.
            throw Invalid("The name contains characters that are not allowed.", field);
        }
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
            throw Invalid("A name cannot contain '/' or '\\'.", field);
        if (HasControlCharacter(name))
            throw Invalid("A name cannot contain control characters.", field);

        if (name is "." or "..")
            throw Invalid("A name cannot be '.' or '..'.", field);
        if (name[^1] is ' ' or '.')
            throw Invalid("A name cannot end with a space or a dot.", field);
        if (Encoding.UTF8.GetByteCount(name) > MaxBytes)
            throw Invalid($"A name can be at most {MaxBytes} bytes of UTF-8.", field);
        return name;
    }

    /// <summary>
    /// The form names and search queries are compared in: NFC, then upper- and lower-cased with
    /// the invariant culture, then "ß" spelled "ss", then NFC again. .NET has no Unicode case
    /// folding; lower-casing alone would leave "ς" (final sigma), "ſ" (long s) or "µ" (micro) apart
    /// from the "σ", "s" and "μ" they fold to, and the round trip through upper case joins them.
    /// "ß" has no one-character upper case, so it is folded to "ss" by hand, as full case folding
    /// does ("STRASSE" finds "Straße"); "İ" (dotted capital I) likewise becomes "i". The invariant culture keeps the key the same whatever the
    /// server's locale (no Turkish dotless i surprises). Diacritics stay: "a" does not find "ä".
    /// </summary>
    public static string SearchKey(string text)
    {
        var nfc = text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        var folded = nfc.ToUpperInvariant().ToLowerInvariant()
            .Replace("ß", "ss", StringComparison.Ordinal)
            .Replace('İ', 'i'); // the invariant culture leaves U+0130 as it is; "istanbul" should find "İstanbul"
        return folded.IsNormalized(NormalizationForm.FormC) ? folded : folded.Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// "name (2).txt" for "name.txt": the candidate names tried when keeping both. The result
    /// stays within <see cref="MaxBytes"/>: the stem is shortened first, the extension only when
    /// it alone leaves no room.
    /// </summary>
    public static string WithCounter(string name, int counter) => WithSuffix(name, $" ({counter})");

    /// <summary>"a (restored).txt", then "a (restored 2).txt"...: a trash entry put back where its name is taken meanwhile.</summary>
    public static string Restored(string name, int attempt) =>
        WithSuffix(name, attempt <= 1 ? " (restored)" : string.Create(CultureInfo.InvariantCulture, $" (restored {attempt})"));

    private static string WithSuffix(string name, string suffix)
    {
        var dot = name.LastIndexOf('.');
        var (stem, extension) = dot > 0 ? (name[..dot], name[dot..]) : (name, "");
        var firstChar = stem[..(char.IsHighSurrogate(stem[0]) ? 2 : 1)];
        if (Encoding.UTF8.GetByteCount(firstChar + suffix + extension) > MaxBytes)
            (stem, extension) = (name, "");
        while (stem.Length > 1 && Encoding.UTF8.GetByteCount(stem + suffix + extension) > MaxBytes)
            stem = stem[..^(char.IsLowSurrogate(stem[^1]) ? 2 : 1)];
        return stem + suffix + extension;
    }

    /// <summary>
    /// Whether the text holds a control character (C0, DEL or C1), which no name may. Queries and
    /// cursors are checked with it too: they can never match a name then, and PostgreSQL refuses
    /// NUL in a text parameter outright, which would otherwise surface as a 500.
    /// </summary>
    internal static bool HasControlCharacter(string s)
    {
        foreach (var c in s)
        {
            if (char.IsControl(c))
                return true;
        }
        return false;
    }

    internal static bool IsWellFormedUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                    return false;
                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static InvalidInputException Invalid(string title, string field) => new(title, field: field);
}
