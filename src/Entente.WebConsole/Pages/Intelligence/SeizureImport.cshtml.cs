using System.Text;
using Entente.Common;
using Entente.Intelligence.Seizures;
using Entente.Sharing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Intelligence;

/// <summary>
/// A national seizure database's export (CSV or JSON) imported through a mapping, with the use case the API
/// (POST /api/seizures/imports) and `entente seizure import` call (`SeizureBook.ImportAsync`): every row read and
/// checked, then all recorded or none; each error with its file, line and field next to the upload. Officers and
/// liaison officers (the API's policy); at most <see cref="MaxBytes"/> per file here (the command line takes more).
/// </summary>
[Authorize(Policy = ConsolePolicies.Disclose)]
public sealed class SeizureImportModel(SeizureBook book, IStringLocalizer<Strings> text) : ConsolePage
{
    /// <summary>The largest file (and mapping) the console reads: 8 MiB.</summary>
    public const long MaxBytes = 8 * 1024 * 1024;

    /// <summary>The most errors listed (all are counted).</summary>
    public const int ErrorsShown = 200;

    public const string Example = """
        name: national-seizures
        format: csv
        csv: { separator: ";" }
        fields:
          - { column: case, target: /id, required: true }
          - { column: date, target: /seizedAt, required: true }
          - { column: goods, target: /category, map: { COC: drugs, CIG: tobacco, BAG: counterfeits } }
          - { column: qty, target: /quantity/amount }
          - { column: unit, target: /quantity/unit, map: { kg: KGM, pcs: NAR } }
          - { column: from, target: /route/departureCountryCode }
          - { column: via, target: /route/transitCountryCodes, split: "|" }
          - { column: to, target: /route/destinationCountryCode }
        """;

    [BindProperty] public string? Mapping { get; set; }
    [BindProperty] public IFormFile? MappingFile { get; set; }
    [BindProperty] public IFormFile? Upload { get; set; }

    /// <summary>Problems with a field of the form itself ("Upload", "Mapping").</summary>
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    /// <summary>The mapping's or the file's errors, each with its file, line and field.</summary>
    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    /// <summary>Which of the two the errors are about: the mapping or the file.</summary>
    public bool MappingRefused { get; private set; }

    public IReadOnlyList<StoredRecord> Imported { get; private set; } = [];
    public string? FileName { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (Request.ContentLength > 2 * MaxBytes + 64 * 1024) Problems["Upload"] = text["Import_TooLarge", Size(Request.ContentLength.Value), Size(MaxBytes)];
        if (Upload is null || Upload.Length == 0) Problems.TryAdd("Upload", text["Import_FileRequired"]);
        else if (Upload.Length > MaxBytes) Problems.TryAdd("Upload", text["Import_TooLarge", Size(Upload.Length), Size(MaxBytes)]);
        string? mapping = null;
        var mappingName = "mapping";
        if (MappingFile is { Length: > 0 } mf)
        {
            if (mf.Length > MaxBytes) Problems["Mapping"] = text["Import_TooLarge", Size(mf.Length), Size(MaxBytes)];
            else
            {
                mapping = await ReadAsync(mf, cancellationToken);
                mappingName = Path.GetFileName(mf.FileName);
                Mapping = mapping;
            }
        }
        else if (!string.IsNullOrWhiteSpace(Mapping)) mapping = Mapping;
        else Problems["Mapping"] = text["Import_MappingRequired"];
        if (Problems.Count > 0 || mapping is null || Upload is null) return Page();

        FileName = Path.GetFileName(Upload.FileName) is { Length: > 0 } name ? name : "upload";
        SeizureMapping parsed;
        try
        {
            parsed = SeizureMapping.Parse(mapping, mappingName);
        }
        catch (SeizureMappingException e)
        {
            MappingRefused = true;
            Errors = e.Errors;
            return Page();
        }
        try
        {
            var content = await ReadAsync(Upload, cancellationToken);
            switch (await book.ImportAsync(parsed.Read(content, FileName), Me, FileName, cancellationToken))
            {
                case SeizureOutcome.Recorded r:
                    Imported = r.Records;
                    break;
                case SeizureOutcome.Invalid i:
                    Errors = i.Errors;
                    break;
            }
        }
        catch (SeizureMappingException e)
        {
            Errors = e.Errors;
        }
        return Page();
    }

    public string? Problem(string field) => Problems.TryGetValue(field, out var p) ? p : null;

    /// <summary>The seizure id of an imported record (its document's /seizure/id).</summary>
    public static string SeizureId(StoredRecord record) => record.Document["seizure"]?["id"]?.GetValue<string>() ?? record.Id;

    private static async Task<string> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private static string Size(long bytes) => bytes >= 1024 * 1024
        ? (bytes / (1024.0 * 1024)).ToString("N1", System.Globalization.CultureInfo.CurrentCulture) + " MiB"
        : bytes.ToString("N0", System.Globalization.CultureInfo.CurrentCulture) + " B";
}
