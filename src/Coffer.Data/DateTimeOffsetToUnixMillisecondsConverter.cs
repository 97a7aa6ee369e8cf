using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Coffer.Data;

/// <summary>Stores instants as Unix milliseconds (UTC), which every provider can compare and sort.</summary>
public sealed class DateTimeOffsetToUnixMillisecondsConverter()
    : ValueConverter<DateTimeOffset, long>(v => v.ToUnixTimeMilliseconds(), v => DateTimeOffset.FromUnixTimeMilliseconds(v));
