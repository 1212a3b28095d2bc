using System.Globalization;
using Entente.Intelligence.Mirror;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Intelligence;

/// <summary>
/// Mirror checks (the use case behind /api/mirror/* and `entente mirror ...`, <see cref="MirrorChecks"/>): run a check
/// against a partner's exports received under an agreement, the discrepancies found (findings on our imports), and the
/// statistics by partner × HS6 × month with the mirror chart inline.
/// </summary>
[Authorize(Policy = ConsolePolicies.Assess)]
public sealed class MirrorModel(MirrorChecks checks, IStringLocalizer<Strings> text) : ConsolePage
{
    public static readonly string[] RunPurposes = ["risk-management", "customs-control", "investigation", "statistics"];

    [BindProperty(SupportsGet = true)] public string? Partner { get; set; }
    [BindProperty] public string? RunPartner { get; set; }
    [BindProperty] public string? RunPurpose { get; set; }
    [BindProperty] public string? From { get; set; }
    [BindProperty] public string? To { get; set; }
    [BindProperty] public string? WindowDays { get; set; }

    public MirrorRunReport? Report { get; private set; }
    public IReadOnlyList<MirrorPairRecord> Findings { get; private set; } = [];
    public IReadOnlyList<MirrorStatistic> Statistics { get; private set; } = [];
    public IHtmlContent? Chart { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    /// <summary>A run, as POST /api/mirror/runs: the use case checks the input; each problem is said next to its field.</summary>
    public async Task OnPostRunAsync(CancellationToken cancellationToken)
    {
        int? window = null;
        if (!string.IsNullOrWhiteSpace(WindowDays))
        {
            if (int.TryParse(WindowDays, NumberStyles.Integer, CultureInfo.InvariantCulture, out var days)) window = days;
            else Problems["WindowDays"] = text["Intel_NotANumber"];
        }
        if (Problems.Count == 0)
        {
            var input = new MirrorRunInput(RunPartner?.Trim().ToUpperInvariant(), string.IsNullOrWhiteSpace(RunPurpose) ? null : RunPurpose, Blank(From), Blank(To), window);
            switch (await checks.RunAsync(input, Me.Name, cancellationToken))
            {
                case MirrorResult.Ran ran:
                    Report = ran.Report;
                    Partner = ran.Report.Partner;
                    break;
                case MirrorResult.Invalid invalid:
                    foreach (var e in invalid.Errors)
                        Problems[e.Path switch { "partner" => "RunPartner", "purpose" => "RunPurpose", "from" => "From", "to" => "To", "windowDays" => "WindowDays", _ => "RunPartner" }] = e.Message;
                    break;
            }
        }
        await LoadAsync(cancellationToken);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var partner = string.IsNullOrWhiteSpace(Partner) ? null : Partner.Trim().ToUpperInvariant();
        Findings = await checks.ListAsync(partner, discrepanciesOnly: true, 100, cancellationToken);
        Statistics = await checks.StatisticsAsync(partner, cancellationToken);
        if (Statistics.Any(s => s.ExportValue > 0))
        {
            // The chart GET /api/mirror/stats?plot=svg answers, drawn by MirrorPlot.
            var svg = MirrorPlot.Chart(Statistics).GetSvgXml(1000, 600);
            var described = string.Join("; ", Statistics.Where(s => s.ExportValue > 0).OrderByDescending(s => s.Gap ?? 0).Take(12)
                .Select(s => $"{s.Partner} {s.Hs6} {s.Month}: {Format.Number(s.ExportValue)} / {Format.Number(s.ImportValue)} {s.Currency}"));
            Chart = InlineSvg.From(svg, "mirror-chart", text["Intel_MirrorChart"], described);
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
