using Entente.Cli;

return await EntenteCli.RunAsync(args, Console.Out, Console.Error);
