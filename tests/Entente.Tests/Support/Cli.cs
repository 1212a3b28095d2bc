using Entente.Cli;

namespace Entente.Tests.Support;

/// <summary>The command line run in process, as a user would type it: its exit status and what it printed.</summary>
public static class Cli
{
    public static async Task<(int Status, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var status = await EntenteCli.RunAsync(args, output, error);
        return (status, output.ToString(), error.ToString());
    }
}
