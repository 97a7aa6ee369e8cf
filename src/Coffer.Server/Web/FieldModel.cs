namespace Coffer.Server.Web;

/// <summary>What the _Field partial draws: one labelled input of a <see cref="FormPage"/>.</summary>
public sealed record FieldModel(FormPage Page, string Name, string Label, string Type = "text")
{
    public string? Value { get; init; }
    public string? Autocomplete { get; init; }
    public bool Required { get; init; } = true;
    public bool Autofocus { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    public string? Hint { get; init; }
    public string? HintId => Hint is null ? null : Name + "-hint";

    /// <summary>The error (if any) and the hint (if any), for aria-describedby; null when there is neither.</summary>
    public string? DescribedBy => string.Join(' ', new[] { Page.DescribedBy(Name), HintId }.OfType<string>()) is { Length: > 0 } ids ? ids : null;
}
