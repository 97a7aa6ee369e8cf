namespace Coffer.Core.Events;

/// <summary>
/// Something that happened to a user's data, written in the same transaction as the change
/// itself, so an event exists exactly when its change committed. Workers that deliver events
/// (webhooks, email, the activity feed) read from here and mark what they have sent.
/// </summary>
public sealed class OutboxEvent
{
    public Guid Id { get; set; }

    /// <summary>Whose data it concerns (the owner of the item, share or folder).</summary>
    public Guid UserId { get; set; }

    /// <summary>Like <c>file.uploaded</c> or <c>share.created</c>: the names the public contract lists.</summary>
    public required string Type { get; set; }

    /// <summary>The event's <c>data</c> as JSON (camelCase).</summary>
    public required string Payload { get; set; }

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? Dispatched { get; set; }
    public int Attempts { get; set; }
}
