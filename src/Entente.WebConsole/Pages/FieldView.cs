namespace Entente.WebConsole.Pages;

/// <summary>One form field with its label and, when the last submission had one, the problem shown next to it.</summary>
public sealed record FieldView(string Name, string Label, string? Value, string? Problem, string Type = "text", bool Required = false);
