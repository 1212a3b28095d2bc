namespace Entente.Bench;

internal static class BenchCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("""
                Entente benchmarks (results go in docs/benchmarks.md with the command that produced them).

                  ingest [--count N] [--formats csv,json,wco-xml,edifact] [--databases sqlite,postgres] [--screening ALERTS]
                         [--postgres CONNSTRING] [--work DIR] [--keep-files]
                      Declarations per second parsed, validated and stored, and peak memory, per format and database.
                      Input: N declarations generated from the Korea Customs Service data set ($ENTENTE_DATA) when present,
                      else from Entente's generator. PostgreSQL: --postgres or $ENTENTE_TEST_POSTGRES, a server where the
                      user may create databases (scripts/with-postgres starts a throwaway one).

                  ledger [--appends N] [--appenders 1,8,64] [--verify-count N] [--databases sqlite,postgres] [--postgres CONNSTRING]
                      Durable ledger appends/s with group commit, inclusion-proof verification p50/p99 in a tree of 2^30,
                      and full re-verification entries/s of a stored ledger of --verify-count entries (default 1,000,000).
                      For durable PostgreSQL figures run under scripts/with-postgres --durable.
                  policy [--agreements N] [--decisions N]
                      Policy decision latency (median, p90, p99) with N agreements in force (default 50).
                  witness [--checks N]
                      Witness check of a grown checkpoint (signature and consistency proof, trees up to 2^40), cosignatures
                      made and verified: median, p99 and per second on one thread.
                  exchange [--parts crypto,throughput,latency,drain] [--messages N] [--conversations N] [--latency-count N]
                           [--drain-messages N] [--warmup N] [--databases sqlite,postgres] [--postgres CONNSTRING] [--poll HH:MM:SS.fff]
                      Envelopes sealed/opened per core; end-to-end delivered messages/s between two `entente serve` processes
                      on loopback; receipt latency of 100 KiB messages; outbox drain rate after the receiver was down.
                  risk-rules [--rules N] [--declarations N] [--compile-rules N] [--rulesengine-declarations N]
                      Risk rule sets: compile time of --compile-rules rules (default 1,000), declarations/s and p50/p99 latency of
                      --rules generated rules (default 500) on one and two threads, and the same rules in Microsoft RulesEngine.
                  risk-model [--rows N] [--scores N] [--trainer lightgbm|fasttree] [--trees N] [--threads N]
                      Training time of the learned risk model on N rows (default 1,000,000, resampled from the KCS training
                      file, else the generator) and scoring time per declaration with and without the explanation.
                  risk-assess [--rules N] [--declarations N] [--scores N] [--trees N] [--learning-rate X] [--model DIR] [--save-model DIR]
                      The whole risk assessment (RiskEngine.Assess: --rules generated rules, default 500, the learned model with
                      its reasons, the lane policy) on one and two threads: declarations/s, p50/p99/max per declaration, and the
                      time in rules vs model. Model trained on the KCS HS10 training file (else the generator), declarations from
                      its test file.
                  startup [--clients N] [--runs N] [--bursts N] [--timeout SECONDS] [--env NAME=VALUE]
                      A cold node under a burst: a fresh home (SQLite) and a new `entente serve`; once /health/ready answers,
                      N clients (default 50) at once each submit one generated declaration on loopback, /health probed
                      meanwhile; then a second burst on the warm node. Latency p50/p95/p99/max, 2xx/4xx/5xx, failures.
                  match-quality [--filler N] [--errors]
                      Alert matching on the shipped name-variant benchmark (docs/matching.md): precision and recall per segment
                      and threshold; --filler adds N generated subjects to the watch list, --errors lists the cases got wrong.
                  screening [--subjects N] [--declarations N] [--queries N] [--threads N]
                      A watch list of N generated subjects (default 1,000,000): build time and memory, whole declarations
                      screened per second, ad-hoc name check latency p50/p95/p99.
                  blinded [--evaluations N] [--identifiers N] [--queries N] [--batches N]
                      Blinded hit/no-hit: OPRF evaluations/s on one thread and signed batches of 100 over HTTP to a node; size
                      on the wire and build time of an index of N identifiers (default 1,000,000); one query to 3 partners
                      (`entente serve` processes on loopback) p50/p95/max.
                  network [--declarations N] [--queries N]
                      The trader network: graph of N consignments (default 1,000,000) built, two-hop neighbourhood p50/p95/max,
                      components, PageRank, communities.
                  mirror [--pairs N]
                      Mirror matching of N partner exports against N imports (default 1,000,000): pairs/s, precision and
                      recall per match key and of a planted undervaluation.
                  analytics [--declarations N] [--runs N] [--databases sqlite,postgres] [--postgres CONNSTRING] [--work DIR] [--keep] [--load-only]
                      N declarations generated from the Korean set (default 10,000,000) loaded into a SQLite node, exported to
                      Parquet (declarations/s), then the monthly trend by HS chapter with DuckDB over the files and the same
                      query straight on SQLite and PostgreSQL (the same declarations loaded there), side by side.
                  console [--declarations N] [--assess N] [--requests N] [--databases sqlite,postgres] [--postgres CONNSTRING]
                          [--work DIR] [--keep] [--reuse]
                      Every officer console page with N declarations (default 1,000,000, the Korean set resampled, bulk-loaded)
                      in a real node, N assessed, alerts, hits, seizures and assistance requests in proportion: signed in
                      through the form, each page asked over HTTP; p50/p95/max ms against the 100 ms target.
                """);
            return 0;
        }
        return args[0] switch
        {
            "ingest" => await IngestBenchmark.RunAsync(args[1..]),
            "ledger" => await LedgerBenchmark.RunAsync(args[1..]),
            "policy" => PolicyBenchmark.Run(args[1..]),
            "witness" => WitnessBenchmark.Run(args[1..]),
            "exchange" => await ExchangeBenchmark.RunAsync(args[1..]),
            "risk-rules" => RiskRulesBench.Run(args[1..]),
            "risk-model" => RiskModelBenchmark.Run(args[1..]),
            "risk-assess" => RiskAssessBenchmark.Run(args[1..]),
            "startup" => await StartupBenchmark.RunAsync(args[1..]),
            "match-quality" => MatchQualityBenchmark.Run(args[1..]),
            "screening" => ScreeningBenchmark.Run(args[1..]),
            "blinded" => await BlindedBenchmark.RunAsync(args[1..]),
            "network" => NetworkBenchmark.Run(args[1..]),
            "mirror" => MirrorBenchmark.Run(args[1..]),
            "analytics" => await AnalyticsBenchmark.RunAsync(args[1..]),
            "console" => await ConsoleBenchmark.RunAsync(args[1..]),
            _ => Unknown(args[0]),
        };
    }

    private static int Unknown(string name)
    {
        Console.Error.WriteLine($"entente bench: unknown benchmark '{name}'; try --help");
        return 2;
    }
}
