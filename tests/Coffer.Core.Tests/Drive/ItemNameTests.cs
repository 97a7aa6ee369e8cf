using System.Text;
using Coffer.Core.Drive;

namespace Coffer.Core.Tests.Drive;

public sealed class ItemNameTests
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("/")]
    [InlineData("a\\b")]
    [InlineData("\\")]
    [InlineData("a\0b")]
    [InlineData("\0")]
    [InlineData("a\u0001b")]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("cr\rhere")]
    [InlineData("a\u001Fb")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0080b")]
    [InlineData("a\u0085b")]
    [InlineData("a\u009Fb")]
    [InlineData("name.")]
    [InlineData("name...")]
    [InlineData("name ")]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData("...")]
    [InlineData("name. ")]
    [InlineData("name .")]
    [InlineData("")]
    [InlineData(null)]
    public void Normalize_BrokenRule_ThrowsInvalidInput(string? raw)
    {
        var ex = Assert.Throws<InvalidInputException>(() => ItemName.Normalize(raw));
        Assert.Equal("name", ex.Field);
    }

    [Fact]
    public void Normalize_LoneSurrogate_ThrowsInvalidInput()
    {
        // Built in code: attribute arguments are stored as UTF-8, which cannot carry a lone surrogate.
        const char high = (char)0xD83D, low = (char)0xDE00;
        string[] cases = [$"a{high}b", $"a{low}b", $"{high}", $"{low}", $"ends-high{high}", $"{low}starts-low", $"{low}{high}", $"{high}{high}{low}"];
        foreach (var raw in cases)
            Assert.Equal("name", Assert.Throws<InvalidInputException>(() => ItemName.Normalize(raw)).Field);
        Assert.Equal("\U0001F600", ItemName.Normalize($"{high}{low}")); // the same units, paired, are 😀
    }

    [Fact]
    public void Normalize_Invalid_NamesTheGivenField()
    {
        var ex = Assert.Throws<InvalidInputException>(() => ItemName.Normalize("a/b", "path"));
        Assert.Equal("path", ex.Field);
    }

    [Fact]
    public void Normalize_EveryControlCharacter_ThrowsInvalidInput()
    {
        var controls = Enumerable.Range(0, 0x20).Append(0x7F).Concat(Enumerable.Range(0x80, 0x20)).ToList();
        Assert.Equal(65, controls.Count);
        foreach (var c in controls)
            Assert.Throws<InvalidInputException>(() => ItemName.Normalize($"a{(char)c}b"));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("report.pdf")]
    [InlineData(".bashrc")]
    [InlineData(".config.d")]
    [InlineData("..hidden")]
    [InlineData("a..b")]
    [InlineData("with spaces inside.txt")]
    [InlineData(" leading space")]
    [InlineData("Ünïcödé 文件 файл.txt")]
    [InlineData("😀 emoji 👍🏽.png")]
    [InlineData("𝄞")]
    [InlineData("name (2).txt")]
    [InlineData("a:b*c?d\"e<f>g|h")]
    [InlineData("\u00A0nbsp")]
    [InlineData("CON")]
    public void Normalize_ValidNfcName_ReturnsItUnchanged(string raw) =>
        Assert.Equal(raw, ItemName.Normalize(raw));

    [Theory]
    [InlineData("e\u0301", "\u00E9")]
    [InlineData("cafe\u0301.txt", "caf\u00E9.txt")]
    [InlineData("\u212B", "\u00C5")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]
    public void Normalize_DecomposedName_ReturnsNfc(string raw, string expected)
    {
        var name = ItemName.Normalize(raw);
        Assert.Equal(expected, name);
        Assert.True(name.IsNormalized(NormalizationForm.FormC));
    }

    [Fact]
    public void Normalize_NfcAndNfdSpellings_AreTheSameName() =>
        Assert.Equal(ItemName.Normalize("Cre\u0300me bru\u0302le\u0301e"), ItemName.Normalize("Cr\u00E8me br\u00FBl\u00E9e"));

    [Fact]
    public void Normalize_DoesNotApplyCompatibilityMappings() =>
        Assert.Equal("\uFB01le", ItemName.Normalize("\uFB01le")); // "ﬁle" stays: NFC, not NFKC

    [Fact]
    public void Normalize_255AsciiBytes_Accepted() =>
        Assert.Equal(255, ItemName.Normalize(new string('a', 255)).Length);

    [Fact]
    public void Normalize_256AsciiBytes_ThrowsInvalidInput() =>
        Assert.Throws<InvalidInputException>(() => ItemName.Normalize(new string('a', 256)));

    [Fact]
    public void Normalize_MultiByteNameOfExactly255Bytes_Accepted()
    {
        // 85 × "€" (3 bytes each) = 255 bytes in 85 characters.
        var name = new string('€', 85);
        Assert.Equal(255, Encoding.UTF8.GetByteCount(name));
        Assert.Equal(name, ItemName.Normalize(name));
    }

    [Fact]
    public void Normalize_MultiByteNameOf256Bytes_ThrowsInvalidInput()
    {
        // 84 × "€" (3 bytes each) + "éé" (2 bytes each) = 256 bytes in only 86 characters.
        var name = new string('€', 84) + "\u00E9\u00E9";
        Assert.Equal(256, Encoding.UTF8.GetByteCount(name));
        Assert.True(name.Length < 255);
        Assert.Throws<InvalidInputException>(() => ItemName.Normalize(name));
    }

    [Fact]
    public void Normalize_FourByteCharactersAt252And256Bytes_LimitIsInBytesNotChars()
    {
        var fits = string.Concat(Enumerable.Repeat("😀", 63)) + "abc"; // 252 + 3 = 255 bytes, 129 UTF-16 units
        var over = string.Concat(Enumerable.Repeat("😀", 64));          // 256 bytes, 128 UTF-16 units
        Assert.Equal(255, Encoding.UTF8.GetByteCount(fits));
        Assert.Equal(256, Encoding.UTF8.GetByteCount(over));
        Assert.Equal(fits, ItemName.Normalize(fits));
        Assert.Throws<InvalidInputException>(() => ItemName.Normalize(over));
    }

    [Fact]
    public void Normalize_DecomposedInputOver255BytesThatFitsAsNfc_Accepted()
    {
        // "é" as e + U+0301 is 3 bytes; as U+00E9 it is 2: the limit applies to the stored (NFC) form.
        var raw = string.Concat(Enumerable.Repeat("e\u0301", 127)) + "a"; // 382 bytes raw, 255 as NFC
        Assert.Equal(255, Encoding.UTF8.GetByteCount(ItemName.Normalize(raw)));
    }

    [Theory]
    [InlineData("name", 2, "name (2)")]
    [InlineData("report.pdf", 2, "report (2).pdf")]
    [InlineData("report.pdf", 17, "report (17).pdf")]
    [InlineData("archive.tar.gz", 3, "archive.tar (3).gz")]
    [InlineData(".bashrc", 2, ".bashrc (2)")]
    [InlineData("a.b c", 2, "a (2).b c")]
    public void WithCounter_Name_InsertsCounterBeforeExtension(string name, int counter, string expected) =>
        Assert.Equal(expected, ItemName.WithCounter(name, counter));

    [Theory]
    [InlineData("report.pdf", 1, "report (restored).pdf")]
    [InlineData("report.pdf", 2, "report (restored 2).pdf")]
    [InlineData("Photos", 1, "Photos (restored)")]
    [InlineData(".bashrc", 3, ".bashrc (restored 3)")]
    public void Restored_Name_InsertsTheMarkBeforeExtension(string name, int attempt, string expected) =>
        Assert.Equal(expected, ItemName.Restored(name, attempt));

    [Fact]
    public void Restored_255ByteName_StaysAValidName()
    {
        var result = ItemName.Restored(new string('a', 251) + ".txt", 2);
        Assert.EndsWith(" (restored 2).txt", result, StringComparison.Ordinal);
        Assert.Equal(255, Encoding.UTF8.GetByteCount(result));
        Assert.Equal(result, ItemName.Normalize(result));
    }

    [Fact]
    public void WithCounter_255ByteName_ShortensStemKeepsExtension()
    {
        var name = new string('a', 251) + ".txt";
        var result = ItemName.WithCounter(name, 2);
        Assert.Equal(new string('a', 247) + " (2).txt", result);
        Assert.Equal(255, Encoding.UTF8.GetByteCount(result));
    }

    [Fact]
    public void WithCounter_LongNameOfSurrogatePairs_NeverSplitsAPair()
    {
        var name = string.Concat(Enumerable.Repeat("😀", 62)) + "a.txt"; // 248 + 5 = 253 bytes
        var result = ItemName.WithCounter(name, 2);
        Assert.Equal(result, ItemName.Normalize(result));
        Assert.True(Encoding.UTF8.GetByteCount(result) <= ItemName.MaxBytes);
        Assert.EndsWith(" (2).txt", result, StringComparison.Ordinal);
    }

    [Fact]
    public void WithCounter_ExtensionTooLongForTheLimit_StillYieldsAValidName()
    {
        // A valid 255-byte name whose "extension" is 253 bytes: there is no room for stem + " (2)" + extension.
        var name = "a." + new string('x', 253);
        Assert.Equal(name, ItemName.Normalize(name));

        var result = ItemName.WithCounter(name, 2);

        Assert.True(Encoding.UTF8.GetByteCount(result) <= ItemName.MaxBytes,
            $"WithCounter made a {Encoding.UTF8.GetByteCount(result)}-byte name, over the {ItemName.MaxBytes}-byte limit.");
        Assert.Equal(result, ItemName.Normalize(result));
        Assert.NotEqual(name, result);
    }
}
