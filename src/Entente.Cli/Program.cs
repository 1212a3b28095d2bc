using System.Globalization;
using Entente.Cli;
using Entente.Storage;

// Output is the same whatever the machine's locale (the web console sets each request's culture itself).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// Said while the command waits, not only when it gives up.
StorageNotices.Waiting += notice => Console.Error.WriteLine($"entente: {notice}");
return await EntenteCli.RunAsync(args, Console.Out, Console.Error);
