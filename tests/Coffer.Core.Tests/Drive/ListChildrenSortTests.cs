using System.Buffers.Text;
using System.Text;
using Coffer.Core.Drive;
using Coffer.Core.Tests.Infrastructure;
using static Coffer.Core.Tests.Infrastructure.CoreHarness;

namespace Coffer.Core.Tests.Drive;

/// <summary>
/// Sorted folder listings (name, size, modified; ascending and descending) paged with keyset
/// cursors, against a real database: folders always first, the key, then the name as tie-breaker.
/// </summary>
public sealed class ListChildrenSortTests
{
    internal static readonly (ItemSort Sort, bool Descending)[] Orders =
    [
        (ItemSort.Name, false), (ItemSort.Name, true),
        (ItemSort.Size, false), (ItemSort.Size, true),
        (ItemSort.Modified, false), (ItemSort.Modified, true),
    ];

    public static TheoryData<ItemSort, bool> EveryOrder() => new(Orders);

    /// <summary>(name, size, seconds after the start) — equal sizes and equal times on purpose, across and within kinds.</summary>
    private static readonly (string Name, int Seconds)[] Folders =
    [
        ("Photos", 120), ("archive", 60), ("Zeta", 120), ("b", 0), ("x:y", 180),
    ];

    private static readonly (string Name, int Size, int Seconds)[] Files =
    [
        ("b.txt", 5, 60), ("B.txt", 5, 60), ("aa", 0, 240), (".hidden", 100, 0), ("z z", 5, 120),
        ("é", 1, 240), ("😀.png", 100, 180), ("x:y:z", 3, 60), ("1", 0, 120), ("~", 5, 240),
    ];

    [Theory]
    [MemberData(nameof(EveryOrder))]
    public async Task ListChildrenAsync_PagesOfThree_ConcatenateToTheFullOrder(ItemSort sort, bool descending)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        var start = h.Clock.GetUtcNow();
        // The clock only moves forward: create in time order, which is neither name nor size order.
        var plan = Folders.Select(f => (f.Name, Size: -1, f.Seconds)).Concat(Files).OrderBy(p => p.Seconds).ToList();
        foreach (var (name, size, seconds) in plan)
        {
            h.Clock.SetUtcNow(start.AddSeconds(seconds));
            if (size < 0)
                await h.CreateFolderAsync(user.Id, name);
            else
                await h.UploadAsync(user.Id, name, RandomBytes(size));
        }
        var all = await ListAllAsync(h, user.Id, ItemSort.Name, false, ItemLookup.MaxPageSize);
        Assert.Equal(plan.Count, all.Count);
        var expected = ExpectedOrder(all, sort, descending).Select(i => i.Name).ToList();

        var pages = new List<IReadOnlyList<Item>>();
        string? cursor = null;
        do
        {
            await using var s = h.Scope();
            var page = await s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, 3, cursor, Ct, sort, descending);
            pages.Add(page.Items);
            cursor = page.NextCursor;
            Assert.True(pages.Count <= expected.Count, "Paging does not end.");
        }
        while (cursor is not null);

        var seen = pages.SelectMany(p => p).ToList();
        Assert.Equal(expected, seen.Select(i => i.Name));
        Assert.Equal(seen.Count, seen.Select(i => i.Id).Distinct().Count());
        Assert.Equal(5, pages.Count);
        Assert.All(pages, p => Assert.Equal(3, p.Count));
        Assert.Equal(Folders.Length, seen.TakeWhile(i => i.Kind == ItemKind.Folder).Count());
    }

    [Fact]
    public async Task ListChildrenAsync_SizeDescending_BiggestFirstThenNameDescending()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, "small", RandomBytes(1));
        await h.UploadAsync(user.Id, "big-a", RandomBytes(10));
        await h.UploadAsync(user.Id, "big-b", RandomBytes(10));
        await h.CreateFolderAsync(user.Id, "folder");

        await using var s = h.Scope();
        var page = await s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, null, null, Ct, ItemSort.Size, descending: true);

        Assert.Equal(["folder", "big-b", "big-a", "small"], page.Items.Select(i => i.Name));
    }

    [Fact]
    public async Task ListChildrenAsync_CursorOfAnotherOrder_ThrowsInvalidInput()
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        foreach (var name in new[] { "a", "b", "c" })
            await h.UploadAsync(user.Id, name, "x"u8.ToArray());
        foreach (var (madeFor, madeDescending) in Orders)
        {
            string cursor;
            await using (var s = h.Scope())
                cursor = (await s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, 1, null, Ct, madeFor, madeDescending)).NextCursor!;

            foreach (var (usedWith, usedDescending) in Orders)
            {
                await using var s = h.Scope();
                if ((usedWith, usedDescending) == (madeFor, madeDescending))
                {
                    var page = await s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, 1, cursor, Ct, usedWith, usedDescending);
                    Assert.Single(page.Items);
                    continue;
                }
                var ex = await Assert.ThrowsAsync<InvalidInputException>(
                    () => s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, 1, cursor, Ct, usedWith, usedDescending));
                Assert.Equal("cursor", ex.Field);
            }
        }
    }

    [Theory]
    [InlineData(ItemSort.Name, "not-base64!", false)]
    [InlineData(ItemSort.Name, "", false)]
    [InlineData(ItemSort.Name, "0:a", true)]                                // the cursor format before sorting existed
    [InlineData(ItemSort.Name, "name.asc:0:5:a", true)]                     // a key where name has none
    [InlineData(ItemSort.Name, "name.asc:7::a", true)]                      // no such kind
    [InlineData(ItemSort.Name, "name.asc:0::", true)]                       // no name
    [InlineData(ItemSort.Size, "size.asc:1::a", true)]                      // no key
    [InlineData(ItemSort.Size, "size.asc:1:-5:a", true)]
    [InlineData(ItemSort.Size, "size.asc:1:five:a", true)]
    [InlineData(ItemSort.Size, "size.asc:1:99999999999999999999:a", true)] // beyond long
    [InlineData(ItemSort.Size, "size.asc:1:5", true)]
    [InlineData(ItemSort.Modified, "modified.asc:1:3155378976000000000:a", true)] // one tick past DateTimeOffset.MaxValue
    [InlineData(ItemSort.Modified, "modified.asc:x:0:a", true)]
    public async Task ListChildrenAsync_GarbageCursor_ThrowsInvalidInput(ItemSort sort, string cursor, bool encode)
    {
        await using var h = await StartAsync();
        var user = await h.RegisterAsync();
        await h.UploadAsync(user.Id, "a", "x"u8.ToArray());
        if (encode)
            cursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(cursor));

        await using var s = h.Scope();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(
            () => s.Lookup.ListChildrenAsync(user.Id, ItemLookup.RootId, 10, cursor, Ct, sort));
        Assert.Equal("cursor", ex.Field);
    }

    /// <summary>What the listing must return: folders first, then the key, then the name (ordinal), key and name in the requested direction.</summary>
    internal static IEnumerable<Item> ExpectedOrder(IEnumerable<Item> items, ItemSort sort, bool descending)
    {
        var direction = descending ? -1 : 1;
        var list = items.ToList();
        list.Sort((x, y) =>
        {
            var byKind = x.Kind.CompareTo(y.Kind);
            if (byKind != 0)
                return byKind;
            var byKey = sort switch
            {
                ItemSort.Size => x.Size.CompareTo(y.Size),
                ItemSort.Modified => x.Modified.CompareTo(y.Modified),
                _ => 0,
            };
            return direction * (byKey != 0 ? byKey : string.CompareOrdinal(x.Name, y.Name));
        });
        return list;
    }

    internal static async Task<List<Item>> ListAllAsync(
        CoreHarness h, Guid userId, ItemSort sort, bool descending, int pageSize, string folderId = ItemLookup.RootId)
    {
        var items = new List<Item>();
        string? cursor = null;
        do
        {
            await using var s = h.Scope();
            var page = await s.Lookup.ListChildrenAsync(userId, folderId, pageSize, cursor, Ct, sort, descending);
            items.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return items;
    }
}
