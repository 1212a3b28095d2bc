namespace Entente.Ingest.Edifact;

/// <summary>
/// The service characters of an interchange, as a UNA service string advice gives them
/// (ISO 9735: component separator, element separator, decimal mark, release character, reserved, segment terminator).
/// </summary>
public readonly record struct EdifactDelimiters(char Component, char Element, char DecimalMark, char Release, char Reserved, char Terminator)
{
    /// <summary>The defaults that apply without a UNA: <c>:+.? '</c>.</summary>
    public static EdifactDelimiters Default { get; } = new(':', '+', '.', '?', ' ', '\'');

    /// <summary>Syntax level B (UNOB) without UNA: information separators IS1..IS4, no release character.</summary>
    public static EdifactDelimiters LevelB { get; } = new('\u001F', '\u001D', '.', NoRelease, ' ', '\u001C');

    /// <summary>Stands for "no release character" (a UNA that gives a space in its fourth position).</summary>
    public const char NoRelease = '\0';

    public bool HasRelease => Release != NoRelease;

    /// <summary>The UNA segment that announces these delimiters.</summary>
    public string ToServiceStringAdvice() =>
        string.Concat("UNA", new string([Component, Element, DecimalMark, HasRelease ? Release : ' ', Reserved, Terminator]));
}
