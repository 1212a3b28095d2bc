using Entente.Cli;
using Entente.Storage;

// Said while the command waits, not only when it gives up.
StorageNotices.Waiting += notice => Console.Error.WriteLine($"entente: {notice}");
return await EntenteCli.RunAsync(args, Console.Out, Console.Error);
