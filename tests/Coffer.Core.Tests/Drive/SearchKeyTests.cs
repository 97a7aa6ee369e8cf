using Coffer.Core.Drive;

namespace Coffer.Core.Tests.Drive;

/// <summary>The folded form names and queries meet in, and how a query as typed becomes one.</summary>
public sealed class SearchKeyTests
{
    [Theory]
    [InlineData("Report.PDF", "report.pdf")]
    [InlineData("ÄRGER", "ärger")]
    [InlineData("Straße", "strasse")]
    [InlineData("STRASSE", "strasse")]
    [InlineData("\u1E9E", "ss")] // capital sharp s
    [InlineData("ΟΔΟΣ", "οδοσ")]
    [InlineData("οδός", "οδόσ")] // final sigma folds with the others; the accent stays
    [InlineData("ſ", "s")] // long s
    [InlineData("µ", "μ")] // micro sign joins Greek mu
    [InlineData("ДОКЛАД", "доклад")]
    [InlineData("Cafe\u0301", "café")] // decomposed in, composed out
    [InlineData("İstanbul", "istanbul")] // not a Turkish-locale fold: the same on every server
    [InlineData("日本語", "日本語")]
    public void SearchKey_FoldsCaseAndForm(string text, string expected)
    {
        Assert.Equal(expected.Normalize(), ItemName.SearchKey(text));
    }

    [Fact]
    public void SearchKey_OfANameAndOfTheSameNameTypedDifferently_AreEqual()
    {
        Assert.Equal(ItemName.SearchKey("Ärger über Straße.txt"), ItemName.SearchKey("A\u0308RGER U\u0308BER STRASSE.TXT"));
    }

    [Fact]
    public void Item_SettingTheName_SetsTheSearchName()
    {
        var item = new Item { Name = "Old.TXT" };

        item.Name = "Neue Größe.md";

        Assert.Equal("neue grösse.md", item.SearchName);
    }

    [Theory]
    [InlineData("  Report  ", "report")]
    [InlineData("ÄRGER", "ärger")]
    public void SearchKeyOf_TrimsAndFolds(string query, string expected)
    {
        Assert.Equal(expected, ItemSearch.SearchKeyOf(query));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\uFFFE")]
    public void SearchKeyOf_EmptyOrInvalid_IsInvalidInputNamingQ(string? query)
    {
        var error = Assert.Throws<InvalidInputException>(() => ItemSearch.SearchKeyOf(query));
        Assert.Equal("q", error.Field);
    }

    [Fact]
    public void SearchKeyOf_LoneSurrogates_AreInvalidInput()
    {
        // Built here, not in InlineData: test-case serialisation turns a lone surrogate into U+FFFD.
        foreach (var query in new[] { "\uD800", "a" + '\uDC00' + "b", "x" + '\uDBFF' })
            Assert.Equal("q", Assert.Throws<InvalidInputException>(() => ItemSearch.SearchKeyOf(query)).Field);
    }

    [Fact]
    public void SearchKeyOf_Over255Characters_IsInvalidInput()
    {
        Assert.Equal(new string('a', 255), ItemSearch.SearchKeyOf(new string('A', 255)));
        Assert.Equal("q", Assert.Throws<InvalidInputException>(() => ItemSearch.SearchKeyOf(new string('a', 256))).Field);
    }

    [Theory]
    [InlineData("100%", "100\\%")]
    [InlineData("a_b", "a\\_b")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("\\%_", "\\\\\\%\\_")]
    [InlineData("plain", "plain")]
    public void EscapeLike_MakesEveryCharacterLiteral(string text, string expected)
    {
        Assert.Equal(expected, ItemSearch.EscapeLike(text));
    }
}
