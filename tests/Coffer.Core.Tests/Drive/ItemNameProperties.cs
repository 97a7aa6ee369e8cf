using System.Text;
using Coffer.Core.Drive;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Coffer.Core.Tests.Drive;

/// <summary>
/// Properties of the name rules over generated names built from pieces that hit every rule:
/// separators, controls (C0, DEL, C1), lone surrogates, decomposed and compatibility characters,
/// multi-byte and four-byte characters, dots and spaces, long runs around the 255-byte limit.
/// </summary>
public sealed class ItemNameProperties
{
    private static readonly string[] SafePieces =
    [
        "a", "Z", "7", "-", "_", "(", ")", " ", ".", "é", "e\u0301", "A\u030A", "\u212B", "\u1100\u1161", "\u1100\u1161\u11A8",
        "ß", "字", "€", "😀", "👍🏽", "𝄞", "\u0958", "\uFB01", "\u00A0", "\u200B", "\u0301",
    ];

    private static readonly string[] BadPieces =
    [
        "/", "\\", "\0", "\u0001", "\t", "\n", "\u001F", "\u007F", "\u0080", "\u0085", "\u009F", "\uD800", "\uDC00", "\uDBFF",
    ];

    private static Gen<string> Concat(Gen<string> piece, int maxPieces) =>
        Gen.Choose(0, maxPieces).SelectMany(n => piece.ArrayOf(n)).Select(string.Concat);

    /// <summary>Anything: mostly harmless pieces, some bad ones, some long runs near the byte limit.</summary>
    private static Arbitrary<string> AnyName() =>
        Gen.OneOf(
                Concat(Gen.Elements(SafePieces), 12),
                Concat(Gen.Frequency((9, Gen.Elements(SafePieces)), (1, Gen.Elements(BadPieces))), 12),
                Gen.Elements(SafePieces).SelectMany(p => Gen.Choose(1, 300).Select(n => string.Concat(Enumerable.Repeat(p, n)))),
                Gen.Elements(".", "..", "...", " ", ". ", " .", ".a", "a.", "a "))
            .ToArbitrary();

    /// <summary>Accepted names "stem.extension" with either part anywhere from empty to (nearly) the whole 255 bytes.</summary>
    private static Arbitrary<string> AcceptedName()
    {
        var piece = Gen.Elements(SafePieces);
        var anyShape = Gen.Zip(Concat(piece, 150), Gen.Elements(true, false), (stem, dotted) => (stem, dotted))
            .SelectMany(t => Concat(piece, 150).Select(ext => t.dotted ? t.stem + "." + ext : t.stem));
        var longExtension = Gen.Zip(Gen.Elements("a", "ab", "é", "😀"), Gen.Choose(60, 150).SelectMany(n => piece.ArrayOf(n)),
            (stem, ext) => stem + "." + string.Concat(ext));
        return Gen.Frequency((3, anyShape), (1, longExtension)).Select(Fit).ToArbitrary();
    }

    [Property(MaxTest = 1000)]
    public Property Normalize_AnyString_AcceptsExactlyWhatTheRulesAllow() =>
        Prop.ForAll(AnyName(), raw =>
        {
            var expected = RulesAllow(raw, out var nfc);
            try
            {
                var name = ItemName.Normalize(raw);
                return expected && name == nfc;
            }
            catch (InvalidInputException)
            {
                return !expected;
            }
        });

    [Property(MaxTest = 1000)]
    public Property Normalize_AcceptedName_IsNfcWithinLimitAndIdempotent() =>
        Prop.ForAll(AnyName(), raw =>
        {
            string name;
            try
            {
                name = ItemName.Normalize(raw);
            }
            catch (InvalidInputException)
            {
                return true;
            }
            var bytes = Encoding.UTF8.GetByteCount(name);
            return name.IsNormalized(NormalizationForm.FormC) && bytes is >= 1 and <= ItemName.MaxBytes
                && ItemName.Normalize(name) == name;
        });

    [Property(MaxTest = 1000)]
    public Property WithCounter_AcceptedName_YieldsAcceptedNameWithinLimit() =>
        Prop.ForAll(AcceptedName(), Gen.Choose(2, 999).ToArbitrary(), (name, counter) =>
        {
            var result = ItemName.WithCounter(name, counter);
            return Accepted(result) == result
                && Encoding.UTF8.GetByteCount(result) <= ItemName.MaxBytes
                && result != name
                && result.Contains($" ({counter})", StringComparison.Ordinal);
        });

    [Property(MaxTest = 1000)]
    public Property WithCounter_ExtensionThatLeavesRoom_KeepsExtensionAndStemPrefix() =>
        Prop.ForAll(AcceptedName(), Gen.Choose(2, 999).ToArbitrary(), (name, counter) =>
        {
            var dot = name.LastIndexOf('.');
            var (stem, extension) = dot > 0 ? (name[..dot], name[dot..]) : (name, "");
            var suffix = $" ({counter})";
            // Room for the counter, the extension and at least one whole character of the stem.
            var fits = Encoding.UTF8.GetByteCount(extension) + Encoding.UTF8.GetByteCount(suffix) + 4 <= ItemName.MaxBytes;
            if (!fits)
                return true;
            var result = ItemName.WithCounter(name, counter);
            if (!result.EndsWith(suffix + extension, StringComparison.Ordinal))
                return false;
            var resultStem = result[..^(suffix.Length + extension.Length)];
            return resultStem.Length > 0 && stem.StartsWith(resultStem, StringComparison.Ordinal);
        });

    /// <summary>
    /// The rules of API.md, written independently of <see cref="ItemName"/>. NFC comes from the
    /// platform (there is no second implementation to compare with); <see cref="ItemNameTests"/>
    /// pins what NFC must produce for known spellings.
    /// </summary>
    private static bool RulesAllow(string raw, out string? nfc)
    {
        nfc = null;
        if (string.IsNullOrEmpty(raw))
            return false;
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(raw);
        }
        catch (ArgumentException)
        {
            return false; // a lone surrogate is not Unicode text
        }
        nfc = raw.Normalize(NormalizationForm.FormC);
        return nfc is not ("." or "..")
            && Encoding.UTF8.GetByteCount(nfc) <= 255
            && !nfc.EnumerateRunes().Any(r => r.Value is '/' or '\\' || Rune.IsControl(r))
            && !nfc.EndsWith(' ') && !nfc.EndsWith('.');
    }

    private static string? Accepted(string name)
    {
        try
        {
            return ItemName.Normalize(name);
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }

    /// <summary>Makes an accepted name from safe pieces: NFC, cut to 255 bytes on a character boundary, no trailing dot or space.</summary>
    private static string Fit(string raw)
    {
        var name = raw.Normalize(NormalizationForm.FormC);
        while (Encoding.UTF8.GetByteCount(name) > ItemName.MaxBytes)
            name = name[..^(char.IsLowSurrogate(name[^1]) ? 2 : 1)];
        name = name.TrimEnd(' ', '.');
        return Accepted(name) ?? "a";
    }
}
