using Coffer.Core.Drive;
using Coffer.Core.Tests.Infrastructure;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Drive;

/// <summary>
/// Paging through a generated folder — random kinds, few distinct sizes and times so ties are
/// common, random page sizes and orders — yields exactly the full order, each item once.
/// One database for all runs; each run lists a folder of its own.
/// </summary>
public sealed class ListChildrenSortProperties : IAsyncLifetime
{
    private CoreHarness? _harness;
    private Guid _userId;

    public async ValueTask InitializeAsync()
    {
        _harness = await StartAsync();
        _userId = (await _harness.RegisterAsync()).Id;
    }

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
            await _harness.DisposeAsync();
    }

    public sealed record Child(string Name, bool IsFolder, long Size, int ModifiedMs);

    public sealed record Listing(Child[] Children, int PageSize, ItemSort Sort, bool Descending)
    {
        public override string ToString() =>
            $"{Sort} {(Descending ? "desc" : "asc")}, pages of {PageSize}: "
            + string.Join(", ", Children.Select(c => $"{(c.IsFolder ? "folder" : "file")} {c.Name} {c.Size}B @{c.ModifiedMs}ms"));
    }

    /// <summary>Names whose ordinal order is the same in UTF-16 and UTF-8, with case, accents, digits, ':' and emoji.</summary>
    private static readonly string[] NamePool =
    [
        "a", "A", "b", "B", "aa", "a a", "a.txt", "A.txt", "b.txt", "1", "10", "2", "e", "é", "ä", "z", "Z", "~",
        ".hidden", "x:y", "x:y:z", "😀", "😀.png", "字", "ß", "_", "-", "(1)", "a (2)", "Photos", "photos", "zeta",
    ];

    public static class Generators
    {
        public static Arbitrary<Listing> Listing()
        {
            var sizes = Gen.Elements(0L, 0L, 1L, 7L, 1L << 40);
            var times = Gen.Elements(0, 0, 1, 999, 1000, 60_000);
            var child = Gen.Zip(Gen.Elements(true, false), Gen.Zip(sizes, times));
            var children = Gen.Choose(0, NamePool.Length)
                .SelectMany(n => Gen.Shuffle(NamePool).Select(names => names.Take(n).ToArray()))
                .SelectMany(names => child.ArrayOf(names.Length)
                    .Select(parts => names.Zip(parts, (name, p) => new Child(name, p.Item1, p.Item2.Item1, p.Item2.Item2)).ToArray()));
            return Gen.Zip(children, Gen.Zip(Gen.Choose(1, 8), Gen.Elements(ListChildrenSortTests.Orders)))
                .Select(t => new Listing(t.Item1, t.Item2.Item1, t.Item2.Item2.Sort, t.Item2.Item2.Descending))
                .ToArbitrary();
        }
    }

    [Property(MaxTest = 60, Arbitrary = [typeof(Generators)])]
    public async Task ListChildrenAsync_AnyFolderAnyPageSize_PagesConcatenateToTheFullOrder(Listing listing)
    {
        var h = _harness!;
        var folder = await h.CreateFolderAsync(_userId, Guid.NewGuid().ToString());
        var start = h.Clock.GetUtcNow();
        await using (var db = h.OpenDb())
        {
            // Rows written directly: a listing reads only the items table, and sizes can be anything.
            db.Items.AddRange(listing.Children.Select(c => new Item
            {
                Id = Guid.CreateVersion7(),
                OwnerId = _userId,
                ParentId = folder.Id,
                Name = c.Name,
                Kind = c.IsFolder ? ItemKind.Folder : ItemKind.File,
                Size = c.Size,
                Created = start,
                Modified = start.AddMilliseconds(c.ModifiedMs),
            }));
            await db.SaveChangesAsync(Ct);
        }
        var expected = ListChildrenSortTests.ExpectedOrder(
            listing.Children.Select(c => new Item
            {
                Name = c.Name,
                Kind = c.IsFolder ? ItemKind.Folder : ItemKind.File,
                Size = c.Size,
                Modified = start.AddMilliseconds(c.ModifiedMs),
            }),
            listing.Sort, listing.Descending).Select(i => i.Name).ToList();

        var pages = new List<IReadOnlyList<Item>>();
        string? cursor = null;
        do
        {
            await using var s = h.Scope();
            var page = await s.Lookup.ListChildrenAsync(
                _userId, folder.Id.ToString(), listing.PageSize, cursor, Ct, listing.Sort, listing.Descending);
            pages.Add(page.Items);
            cursor = page.NextCursor;
            Assert.True(pages.Count <= expected.Count + 1, "Paging does not end.");
        }
        while (cursor is not null);

        var seen = pages.SelectMany(p => p).ToList();
        Assert.Equal(expected, seen.Select(i => i.Name));
        Assert.Equal(seen.Count, seen.Select(i => i.Id).Distinct().Count());
        Assert.Equal(Math.Max(1, (expected.Count + listing.PageSize - 1) / listing.PageSize), pages.Count);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(listing.PageSize, p.Count));
    }
}
