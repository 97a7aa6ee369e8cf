namespace Coffer.Core.Drive;

/// <summary>
/// The key a folder listing is ordered by. Whatever the key and direction, folders come before
/// files, and the name breaks ties (names are unique within a folder), so the order is total.
/// </summary>
public enum ItemSort
{
    Name = 0,
    Size = 1,
    Modified = 2,
}
