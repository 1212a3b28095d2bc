using System.CommandLine;
using Entente.Cli.Agreements;
using Entente.Cli.Alerts;
using Entente.Cli.Assistance;
using Entente.Cli.Audit;
using Entente.Cli.Blinded;
using Entente.Cli.Conformance;
using Entente.Cli.Declarations;
using Entente.Cli.Exchange;
using Entente.Cli.Ingest;
using Entente.Cli.Ledger;
using Entente.Cli.Nodes;
using Entente.Cli.Partners;
using Entente.Cli.Retention;
using Entente.Cli.Risk;
using Entente.Cli.Sharing;
using Entente.Cli.Witnessing;
using Entente.Tools.CrashLoop;
using Entente.Tools.Demo;

namespace Entente.Cli;

/// <summary>The `entente` command line. Each feature adds its commands; output goes to the given writers so tests can read it.</summary>
public static class EntenteCli
{
    public static Command Build()
    {
        // A plain command named as the launcher (./entente), with the help and version options a RootCommand would add.
        var root = new Command("entente", "Entente: the node a customs administration runs to cooperate with others.")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        root.Add(NodeCommands.Node());
        root.Add(NodeCommands.User());
        root.Add(NodeCommands.Serve());
        root.Add(IngestCommand.Create());
        root.Add(DeclarationCommands.Create());
        root.Add(DemoCommand.Create(new DemoCli(RunAsync, typeof(EntenteCli).Assembly.Location)));
        root.Add(CrashLoopCommand.Create(new DemoCli(RunAsync, typeof(EntenteCli).Assembly.Location)));
        root.Add(WitnessCommands.AddTo(LedgerCommands.Create()));
        root.Add(AgreementCommands.Create());
        root.Add(AuditCommands.Create());
        root.Add(RetentionCommands.Create());
        root.Add(PartnerCommands.Create());
        root.Add(ExchangeCommands.Create());
        root.Add(RecordCommands.Create());
        root.Add(RequestCommands.Create());
        root.Add(AlertCommands.Create());
        root.Add(BlindedCommands.Create());
        root.Add(Screening.ScreeningCommands.Screen());
        root.Add(Screening.ScreeningCommands.Hits());
        root.Add(ConformanceCommand.Create());
        root.Add(Intelligence.SeizureCommands.Create());
        root.Add(Intelligence.AnalyticsCommands.Create());
        root.Add(Intelligence.MirrorCommands.Create());
        root.Add(Intelligence.NetworkCommands.Create());
        var risk = RiskModelCommands.AddTo(new Command("risk", "Risk targeting: rule sets, the learned model, assessment, outcomes, the benchmark (docs/risk.md)")
        {
            RiskRuleCommands.Create(),
        });
        RiskAssessCommands.AddTo(risk);
        root.Add(risk);
        return root;
    }

    /// <summary>How long a command has to finish after Ctrl+C or SIGTERM: the ASP.NET Core host's default shutdown timeout.</summary>
    internal static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Build();
        CliOutput.Conventions(root);
        // No command at all: what there is to run (and exit 2, as for any incomplete command line).
        if (args.Length == 0)
        {
            await root.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
            return ExitCodes.Usage;
        }
        var parse = root.Parse(args);
        // Usage errors (unknown or missing options, values of the wrong kind) exit 2, said in the user's terms; --help and --version still answer.
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true }) return CliOutput.ParseErrors(parse, output, error);
        try
        {
            // Ctrl+C or SIGTERM cancels the command; a serving node (or the demo's three) then gets the web host's own 30 s to
            // stop gracefully (System.CommandLine's default is 2 s, after which it exits 143 with the nodes half stopped).
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = ShutdownGrace }, cancellationToken);
        }
        catch (Exception e)
        {
            return CliOutput.Fail(parse, e, output, error);
        }
    }
}
