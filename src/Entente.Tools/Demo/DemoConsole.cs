using System.Net;
using System.Runtime.InteropServices;

namespace Entente.Tools.Demo;

/// <summary>
/// `entente demo --console`: after the story, the three nodes keep running; each console's address is printed with a
/// ready-made sign-in key per role (checked: the page answers and the key is accepted), until Ctrl+C.
/// </summary>
internal static class DemoConsole
{
    private static readonly (string Role, string Name)[] Roles = [("officer", "console-officer"), ("analyst", "console-analyst"), ("auditor", "console-auditor"), ("liaison", "console-liaison")];

    public static async Task HoldAsync(IReadOnlyList<DemoNode> nodes, TextWriter output, CancellationToken ct)
    {
        output.WriteLine("== The consoles (docs/console.md): open a URL, sign in with a key below; Ctrl+C stops the nodes ==");
        foreach (var node in nodes)
        {
            using var client = node.Client();
            var page = await client.GetAsync(new Uri("/console/sign-in", UriKind.Relative), ct);
            if (page.StatusCode != HttpStatusCode.OK) throw new DemoFailure($"{node.Code}: the console's sign-in page answered {(int)page.StatusCode}");
            output.WriteLine($"   {node.Code} {node.Name}: {new Uri(node.Endpoint, "/console")}");
            foreach (var (role, name) in Roles)
            {
                var key = (await node.Cli.RunAsync(ct, "user", "add", "--home", node.Home, "--name", $"{name}-{node.Code.ToLowerInvariant()}", "--role", role)).Trim().Split(' ')[^1];
                using var user = node.Client(key);
                var check = await user.GetAsync(new Uri("/api/node", UriKind.Relative), ct);
                if (check.StatusCode != HttpStatusCode.OK) throw new DemoFailure($"{node.Code}: the {role}'s new key was refused ({(int)check.StatusCode})");
                output.WriteLine($"      {role,-8} {key}");
            }
        }
        // Ctrl+C cancels ct; SIGTERM (a service manager, `kill`) stops the nodes the same way instead of ending the process under them.
        // Registered before the line below says the nodes are up: whoever reads it may send SIGTERM at once.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        output.WriteLine("   The nodes keep running until Ctrl+C.");
        output.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("Stopping the nodes.");
        }
    }
}
