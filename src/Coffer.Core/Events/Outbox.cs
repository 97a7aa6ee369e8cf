using System.Text.Json;
using Coffer.Core.Persistence;

namespace Coffer.Core.Events;

/// <summary>Adds events to the unit of work that makes the change, so both commit or neither does.</summary>
public sealed class Outbox(CofferDb db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Queues the event on the context; it is written by the caller's next SaveChanges.</summary>
    public OutboxEvent Add<T>(Guid userId, string type, T data)
    {
        var entry = new OutboxEvent
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Type = type,
            Payload = JsonSerializer.Serialize(data, Json),
            Created = clock.Now(),
        };
        db.OutboxEvents.Add(entry);
        return entry;
    }
}
