using System.ComponentModel.DataAnnotations;

namespace Entente.Hosting;

/// <summary>
/// The node's settings, shared by the server and the CLI. Bound from the "Entente" section of
/// HOME/entente.json, then environment variables (ENTENTE__CODE, ENTENTE__DATABASE...).
/// To add a setting: add a property here with its validation attribute, document it in docs/configuration.md,
/// and read it through IOptions&lt;NodeOptions&gt; (or NodeHome.Options in the CLI).
/// </summary>
public sealed class NodeOptions
{
    public const string Section = "Entente";

    /// <summary>The administration's node code: an ISO 3166-1 country code, optionally followed by a suffix (KR, NL-RTM).</summary>
    [Required, RegularExpression("^[A-Z]{2}(-[A-Z0-9]{1,12})?$", ErrorMessage = "the node code is an ISO country code, optionally with a suffix, e.g. KR or NL-RTM")]
    public string Code { get; set; } = "";

    [Required, StringLength(200, MinimumLength = 1)]
    public string Name { get; set; } = "";

    /// <summary>The node's home folder (configuration, SQLite database, keys).</summary>
    [Required]
    public string Home { get; set; } = "";

    /// <summary>A PostgreSQL connection string, or a SQLite file; empty means HOME/entente.db.</summary>
    public string? Database { get; set; }

    /// <summary>The store the home records (entente.json "Store"); null in a home made before stores were recorded.</summary>
    public NodeStore? Store { get; set; }

    /// <summary>
    /// Names the node is reached by (entente.json "HostNames"), besides localhost, 127.0.0.1, ::1 and the machine's name:
    /// the self-issued HTTPS certificate carries them all as subject alternative names.
    /// </summary>
    public List<string> HostNames { get; set; } = [];

    /// <summary>Largest request body the API accepts, in bytes.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Folder of CSV column mappings the API may name (?mapping=NAME); relative to the home.</summary>
    public string Mappings { get; set; } = "mappings";

    /// <summary>How long the node keeps the declarations it holds (ISO 8601 period, e.g. P10Y); none: kept until erased by hand.</summary>
    [RegularExpression("^P(\\d{1,3}Y)?(\\d{1,4}M)?(\\d{1,5}D)?(T\\d{1,6}H)?$", ErrorMessage = "Retention:Declarations is an ISO 8601 period such as P10Y")]
    public string? RetentionPeriod { get; set; }

    /// <summary>What happens when the period has run out: erase, or review (flagged for an officer).</summary>
    [RegularExpression("^(erase|review)$", ErrorMessage = "Retention:Then is erase or review")]
    public string RetentionThen { get; set; } = "review";

    /// <summary>How often the server runs the retention job.</summary>
    public TimeSpan RetentionEvery { get; set; } = TimeSpan.FromDays(1);

    public string DatabaseOrDefault => string.IsNullOrWhiteSpace(Database) ? Path.Combine(Home, "entente.db") : Database;

    public string MappingsPath => Path.IsPathRooted(Mappings) ? Mappings : Path.Combine(Home, Mappings);
}
