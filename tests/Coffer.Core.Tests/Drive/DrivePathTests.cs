using Coffer.Core.Drive;

namespace Coffer.Core.Tests.Drive;

public sealed class DrivePathTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("")]
    [InlineData("//")]
    [InlineData("///")]
    public void Parse_Root_ReturnsNoNames(string path) => Assert.Empty(DrivePath.Parse(path));

    [Theory]
    [InlineData("/a/b", new[] { "a", "b" })]
    [InlineData("a/b", new[] { "a", "b" })]
    [InlineData("/a/b/", new[] { "a", "b" })]
    [InlineData("//a//b//", new[] { "a", "b" })]
    [InlineData("/Photos/2024/a.jpg", new[] { "Photos", "2024", "a.jpg" })]
    [InlineData("/.config/with space/😀.txt", new[] { ".config", "with space", "😀.txt" })]
    public void Parse_Path_ReturnsItsNames(string path, string[] expected) =>
        Assert.Equal(expected, DrivePath.Parse(path));

    [Fact]
    public void Parse_DecomposedSegment_ReturnsNfcName() =>
        Assert.Equal(["caf\u00E9", "r\u00E9sum\u00E9.pdf"], DrivePath.Parse("/cafe\u0301/re\u0301sume\u0301.pdf"));

    [Theory]
    [InlineData("/a/../b")]
    [InlineData("/..")]
    [InlineData("..")]
    [InlineData("/a/..")]
    [InlineData("/a/./b")]
    [InlineData("/.")]
    [InlineData("/a\\b")]
    [InlineData("\\..\\etc")]
    [InlineData("/a\0/b")]
    [InlineData("/a/b\n")]
    [InlineData("/a./b")]
    [InlineData("/a /b")]
    public void Parse_BadSegment_ThrowsInvalidInputOnPathField(string path)
    {
        var ex = Assert.Throws<InvalidInputException>(() => DrivePath.Parse(path));
        Assert.Equal("path", ex.Field);
    }

    [Fact]
    public void Parse_Null_ThrowsInvalidInput() =>
        Assert.Equal("path", Assert.Throws<InvalidInputException>(() => DrivePath.Parse(null)).Field);

    [Fact]
    public void Parse_SegmentOver255Bytes_ThrowsInvalidInput() =>
        Assert.Throws<InvalidInputException>(() => DrivePath.Parse("/ok/" + new string('x', 256)));

    [Theory]
    [InlineData("/", "a.txt", "/a.txt")]
    [InlineData("/Photos", "a.jpg", "/Photos/a.jpg")]
    [InlineData("/Photos/2024", "a.jpg", "/Photos/2024/a.jpg")]
    public void Combine_ParentAndName_ReturnsChildPath(string parent, string name, string expected) =>
        Assert.Equal(expected, DrivePath.Combine(parent, name));

    [Fact]
    public void Join_NoNames_ReturnsRoot() => Assert.Equal("/", DrivePath.Join([]));

    [Fact]
    public void Join_Names_ReturnsSlashSeparatedPathFromRoot() =>
        Assert.Equal("/Photos/2024/a.jpg", DrivePath.Join(["Photos", "2024", "a.jpg"]));

    [Theory]
    [InlineData("/")]
    [InlineData("/a")]
    [InlineData("/Photos/2024/a.jpg")]
    [InlineData("/.bashrc")]
    public void Join_ParsedCanonicalPath_RoundTrips(string path) =>
        Assert.Equal(path, DrivePath.Join(DrivePath.Parse(path)));

    [Fact]
    public void Combine_AgreesWithJoin() =>
        Assert.Equal(DrivePath.Join(["a", "b", "c"]), DrivePath.Combine(DrivePath.Combine(DrivePath.Combine("/", "a"), "b"), "c"));
}
