using Entente.Bench;

return await BenchCli.RunAsync(args);
