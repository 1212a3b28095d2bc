using System.CommandLine;
using Entente.Access;
using Entente.Hosting;
using Entente.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Cli.Nodes;

internal static class NodeCommands
{
    public static Command Node()
    {
        var node = new Command("node", "Create and inspect a node");

        var home = new Option<string>("--home") { Description = "Folder to create as the node's home", Required = true };
        var code = new Option<string>("--code") { Description = "The administration's code: ISO country code, optionally with a suffix (KR, NL-RTM)", Required = true };
        var name = new Option<string>("--name") { Description = "The administration's name", Required = true };
        var database = CommonOptions.Database();
        var initJson = CommonOptions.Json();
        var init = new Command("init", "Create a node: its home, settings, database and first administrator key") { home, code, name, database, initJson };
        init.SetAction(async (parse, ct) =>
        {
            var options = new NodeOptions
            {
                Home = Path.GetFullPath(parse.GetValue(home)!),
                Code = parse.GetValue(code)!,
                Name = parse.GetValue(name)!,
                Database = parse.GetValue(database),
            };
            var problems = NodeHome.Validate(options);
            if (problems.Count > 0) throw new CliException(string.Join("; ", problems));
            if (NodeHome.Exists(options.Home)) throw CliException.Refused($"{options.Home} is already a node's home");
            var key = await NodeHome.InitAsync(options, TimeProvider.System, ct);
            var output = parse.InvocationConfiguration.Output;
            var store = NodeHome.IsPostgres(options.DatabaseOrDefault) ? "PostgreSQL" : options.DatabaseOrDefault;
            string fingerprint;
            using (var signing = NodeKeys.LoadSigningKey(options.Home)) fingerprint = NodeKeys.Fingerprint(signing);
            if (parse.GetValue(initJson))
            {
                CliOutput.WriteJson(parse, new
                {
                    code = options.Code,
                    name = options.Name,
                    home = options.Home,
                    store,
                    signingKey = new { path = NodeKeys.SigningKeyPath(options.Home), fingerprint },
                    certificates = new[] { NodeKeys.NodeCertificatePath(options.Home), NodeKeys.EncryptionCertificatePath(options.Home) },
                    administratorKey = key,
                });
                return 0;
            }
            output.WriteLine($"Node {options.Code} ({options.Name}) created in {options.Home}");
            output.WriteLine($"Store: {store}");
            output.WriteLine($"Signing key: {NodeKeys.SigningKeyPath(options.Home)} ({fingerprint}; give partners the fingerprint)");
            output.WriteLine($"Certificates: {NodeKeys.NodeCertificatePath(options.Home)} (self-issued), {NodeKeys.EncryptionCertificatePath(options.Home)}");
            output.WriteLine($"Administrator API key (shown once, keep it safe): {key}");
            return 0;
        });
        node.Add(init);

        var show = new NodeCommand("show", "Show the node's settings and what its store holds");
        show.SetNodeAction(async (parse, node, ct) =>
        {
            var options = node.Node;
            var store = node.Get<Entente.Storage.IDeclarationStore>();
            var output = parse.InvocationConfiguration.Output;
            if (show.Json(parse))
            {
                string? fingerprint = null, publicKey = null;
                if (NodeKeys.HasSigningKey(options.Home))
                {
                    using var key = NodeKeys.LoadSigningKey(options.Home);
                    (fingerprint, publicKey) = (NodeKeys.Fingerprint(key), NodeKeys.PublicKeyPem(key));
                }
                CliOutput.WriteJson(parse, new
                {
                    code = options.Code,
                    name = options.Name,
                    home = options.Home,
                    store = store.Provider.ToString(),
                    declarations = await store.CountAsync(ct),
                    signingKey = fingerprint is null ? null : new { fingerprint, publicKey },
                });
                return 0;
            }
            output.WriteLine($"Node:         {options.Code} ({options.Name})");
            output.WriteLine($"Home:         {options.Home}");
            output.WriteLine($"Store:        {store.Provider}");
            output.WriteLine($"Declarations: {await store.CountAsync(ct):N0}");
            if (NodeKeys.HasSigningKey(options.Home))
            {
                using var signing = NodeKeys.LoadSigningKey(options.Home);
                output.WriteLine($"Signing key:  {NodeKeys.Fingerprint(signing)}");
                output.WriteLine(NodeKeys.PublicKeyPem(signing));
            }
            else
            {
                output.WriteLine($"Signing key:  none (this home predates node keys; {NodeKeys.SigningKeyPath(options.Home)} is missing)");
            }
            return 0;
        });
        node.Add(show);

        var keys = new NodeCommand("keys", "Make the node's keys and certificates that are missing (a home made before they existed); an existing one is never replaced");
        keys.SetAction(parse =>
        {
            var options = keys.Node(parse);
            var output = parse.InvocationConfiguration.Output;
            var labels = new Dictionary<string, string>
            {
                [NodeKeys.SigningKeyPath(options.Home)] = "Signing key",
                [NodeKeys.SubjectKeyPath(options.Home)] = "Subject key",
                [NodeKeys.EncryptionKeyPath(options.Home)] = "Encryption key",
                [NodeKeys.NodeCertificatePath(options.Home)] = "Node certificate",
                [NodeKeys.EncryptionCertificatePath(options.Home)] = "Encryption certificate",
            };
            var created = NodeIdentity.CreateMissing(options.Home, options.Code, options.Name, TimeProvider.System).ToList();
            using var signing = NodeKeys.LoadSigningKey(options.Home);
            keys.Print(parse, new { made = created.Select(m => new { what = labels[m], path = m }), fingerprint = NodeKeys.Fingerprint(signing) }, o =>
            {
                foreach (var made in created) o.WriteLine($"{labels[made]} made: {made}");
                o.WriteLine($"Signing key fingerprint: {NodeKeys.Fingerprint(signing)}");
            });
            return 0;
        });
        node.Add(keys);
        node.Add(NodeCertCommands.Create());
        return node;
    }

    public static Command User()
    {
        var user = new Command("user", "API users and their keys");
        var name = new Option<string>("--name") { Description = "User name (unique)", Required = true };
        var role = new Option<Role>("--role") { Description = "analyst, officer, liaison, auditor or admin", Required = true };
        var authority = new Option<string?>("--authority") { Description = "The authority or unit the user belongs to" };
        var add = new NodeCommand("add", "Create an API user and print its key (shown once)") { name, role, authority };
        add.SetNodeAction(async (parse, node, ct) =>
        {
            var userName = parse.GetValue(name)!;
            if (userName.Length is 0 or > 100) throw new CliException("--name: 1 to 100 characters");
            var users = node.Get<ApiUserStore>();
            if ((await users.ListAsync(ct)).Any(u => u.Name == userName)) throw CliException.Refused($"user '{userName}' exists already");
            var (key, created) = ApiKeys.NewUser(userName, parse.GetValue(role), parse.GetValue(authority) ?? node.Node.Code, TimeProvider.System);
            await users.SaveAsync(created, ct);
            var roleName = created.Role.ToString().ToLowerInvariant();
            add.Print(parse, new { name = created.Name, role = roleName, authority = created.Authority, key },
                o => o.WriteLine($"User {created.Name} ({roleName}) created. API key (shown once): {key}"));
            return 0;
        });
        user.Add(add);

        var list = new NodeCommand("list", "List API users (never their keys)");
        list.SetNodeAction(async (parse, node, ct) =>
        {
            var all = await node.Get<ApiUserStore>().ListAsync(ct);
            list.Print(parse, all.Select(u => new { name = u.Name, role = u.Role.ToString().ToLowerInvariant(), authority = u.Authority, createdAt = u.CreatedAt }), o =>
            {
                foreach (var u in all)
                    o.WriteLine($"{u.Name,-24} {u.Role.ToString().ToLowerInvariant(),-8} {u.Authority,-10} created {u.CreatedAt:yyyy-MM-dd HH:mm}Z");
            });
            return 0;
        });
        user.Add(list);
        return user;
    }

    public static Command Serve()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen (default http://127.0.0.1:5080)", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var serve = new NodeCommand("serve", "Run the node's HTTP API (--json: logs as JSON lines)") { urls };
        serve.SetAction(async (parse, ct) =>
        {
            var options = serve.Node(parse);
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = options.Home });
            builder.Configuration[$"{NodeOptions.Section}:Home"] = options.Home;
            if (parse.GetValue(serve.DatabaseOption) is { } db) builder.Configuration[$"{NodeOptions.Section}:Database"] = db;
            builder.WebHost.UseUrls(parse.GetValue(urls)!);
            if (serve.Json(parse)) builder.Logging.ClearProviders().AddJsonConsole();
            builder.AddEntente();
            var app = builder.Build();
            await app.MapEntenteAsync();
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return serve;
    }
}
