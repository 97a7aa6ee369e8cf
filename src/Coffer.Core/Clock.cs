namespace Coffer.Core;

public static class Clock
{
    /// <summary>Now, to the millisecond: the precision every database keeps, so what a write returns equals what a read returns.</summary>
    public static DateTimeOffset Now(this TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
