using Entente.Fuzz;
using SharpFuzz;

// Entente.Fuzz TARGET           run under afl-fuzz (scripts/fuzz TARGET SECONDS)
// Entente.Fuzz --list           the targets
// Entente.Fuzz seeds DIR        write the generated seed corpora (DIR/TARGET/...)
// Entente.Fuzz replay TARGET FILE...   run inputs once, in process, and say which escape the harness
switch (args)
{
    case ["--list"]:
        foreach (var t in FuzzTargets.All) Console.WriteLine($"{t.Name,-15} {t.Parser}");
        return 0;
    case ["seeds", var dir]:
        Seeds.Write(dir);
        return 0;
    case ["replay", var name, .. var files] when FuzzTargets.Find(name) is { } replayed:
        var escaped = 0;
        foreach (var file in files)
        {
            try
            {
                replayed.Run(File.ReadAllBytes(file));
                Console.WriteLine($"ok       {file}");
            }
            catch (Exception e)
            {
                escaped++;
                Console.WriteLine($"ESCAPED  {file}: {e.GetType().FullName}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }
        return escaped == 0 ? 0 : 1;
    case [var name] when FuzzTargets.Find(name) is { } target:
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.ToArray());
        });
        return 0;
    default:
        Console.Error.WriteLine("usage: Entente.Fuzz TARGET | --list | seeds DIR | replay TARGET FILE...");
        Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
        return 2;
}
