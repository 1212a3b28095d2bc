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
        var database = new Option<string?>("--database")
        {
            Description = "The store: a PostgreSQL connection string (kept in HOME/store.connection, mode 600) or a SQLite file; default HOME/entente.db",
        };
        var databaseEnvironment = new Option<string?>("--database-env") { Description = "PostgreSQL: the environment variable that holds the connection string (recorded by name; read by every command)" };
        var databaseFile = new Option<string?>("--database-file") { Description = "PostgreSQL: the file that holds the connection string (recorded by path; read by every command)" };
        var hostNames = new Option<string[]>("--host-name") { Description = "A name or address the node is reached by, for its HTTPS certificate (repeatable)", AllowMultipleArgumentsPerToken = false };
        var initJson = CommonOptions.Json();
        var init = new Command("init", "Create a node: its home, settings, store and first administrator key") { home, code, name, database, databaseEnvironment, databaseFile, hostNames, initJson };
        init.SetAction(async (parse, ct) =>
        {
            var options = new NodeOptions
            {
                Home = Path.GetFullPath(parse.GetValue(home)!),
                Code = parse.GetValue(code)!,
                Name = parse.GetValue(name)!,
                Database = parse.GetValue(database),
                HostNames = [.. parse.GetValue(hostNames) ?? []],
            };
            var fromVariable = parse.GetValue(databaseEnvironment);
            // ENTENTE__DATABASE stands for --database here as in every command; a PostgreSQL one is recorded by its name.
            if (options.Database is null && fromVariable is null && parse.GetValue(databaseFile) is null
                && Environment.GetEnvironmentVariable("ENTENTE__DATABASE") is { Length: > 0 } environment)
            {
                if (Entente.Storage.DeclarationStores.ProviderOf(environment) == Entente.Storage.StorageProvider.PostgreSql) fromVariable = "ENTENTE__DATABASE";
                else options.Database = environment;
            }
            var problems = NodeHome.Validate(options);
            if (problems.Count > 0) throw new CliException(string.Join("; ", problems));
            if (NodeHome.Exists(options.Home)) throw CliException.Refused($"{options.Home} is already a node's home");
            string key;
            try
            {
                key = await NodeHome.InitAsync(options, TimeProvider.System, ct, fromVariable, parse.GetValue(databaseFile));
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException)
            {
                throw new CliException(e.Message);
            }
            var output = parse.InvocationConfiguration.Output;
            var store = NodeStore.Describe(NodeHome.Load(options.Home).DatabaseOrDefault);
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
            var made = NodeHome.Load(options.Home);
            output.WriteLine($"Store: {NodeStore.Describe(made.DatabaseOrDefault)} (connection from {made.Store!.Source}; every command with --home uses it)");
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
            output.WriteLine($"Store:        {NodeStore.Describe(options.DatabaseOrDefault)}{(options.Store is { } recorded ? $" (from {recorded.Source})" : " (not recorded in entente.json)")}");
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
            var created = NodeIdentity.CreateMissing(options.Home, options.Code, options.Name, TimeProvider.System, options.HostNames).ToList();
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
        var user = new Command("user", "API users and their keys: add, list, rotate, revoke, expire");
        var name = new Option<string>("--name") { Description = "User name (unique)", Required = true };
        var role = new Option<Role>("--role") { Description = "analyst, officer, liaison, auditor or admin", Required = true };
        var authority = new Option<string?>("--authority") { Description = "The authority or unit the user belongs to" };
        var expires = new Option<string?>("--expires") { Description = "When the key expires: a date (2027-06-30, UTC), a time (2027-06-30T12:00Z) or a number of days (90d); default never" };
        var add = new NodeCommand("add", "Create an API user and print its key (shown once)", json: true) { name, role, authority, expires };
        add.SetNodeAction(async (parse, node, ct) =>
        {
            var userName = parse.GetValue(name)!;
            if (userName.Length is 0 or > 100) throw new CliException("--name: 1 to 100 characters");
            var now = TimeProvider.System.GetUtcNow();
            var expiry = Expiry(parse.GetValue(expires), now, "--expires");
            var users = node.Get<ApiUserStore>();
            if (await users.FindAsync(userName, ct) is not null) throw CliException.Refused($"user '{userName}' exists already; give a new key with: entente user rotate --name {userName}");
            var (key, created) = ApiKeys.NewUser(userName, parse.GetValue(role), parse.GetValue(authority) ?? node.Node.Code, TimeProvider.System, expiry);
            await users.SaveAsync(created, ct);
            add.Print(parse, new { name = created.Name, role = ApiUserStore.RoleName(created.Role), authority = created.Authority, key, expiresAt = created.KeyExpiresAt },
                o => o.WriteLine($"User {created.Name} ({ApiUserStore.RoleName(created.Role)}) created{ExpiryText(expiry)}. API key (shown once): {key}"));
            return 0;
        });
        user.Add(add);

        var list = new NodeCommand("list", "List API users (never their keys): role, authority, key state, expiry, last use", json: true);
        list.SetNodeAction(async (parse, node, ct) =>
        {
            var now = TimeProvider.System.GetUtcNow();
            var users = await node.Get<ApiUserStore>().ListAsync(ct);
            if (list.Json(parse))
            {
                CliOutput.WriteJson(parse, users.Select(u => new
                {
                    name = u.Name,
                    role = ApiUserStore.RoleName(u.Role),
                    authority = u.Authority,
                    key = ApiKeys.StateOf(u, now),
                    createdAt = u.CreatedAt,
                    expiresAt = u.KeyExpiresAt,
                    revokedAt = u.RevokedAt,
                    lastUsedAt = u.LastUsedAt,
                }));
                return 0;
            }
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{"NAME",-24} {"ROLE",-8} {"AUTHORITY",-10} {"KEY",-8} {"CREATED",-17} {"EXPIRES",-17} LAST USED");
            foreach (var u in users)
                output.WriteLine($"{u.Name,-24} {ApiUserStore.RoleName(u.Role),-8} {u.Authority,-10} {ApiKeys.StateOf(u, now),-8} {Time(u.CreatedAt),-17} {Time(u.KeyExpiresAt) ?? "never",-17} {Time(u.LastUsedAt) ?? "never"}");
            return 0;
        });
        user.Add(list);

        var rotateName = new Option<string>("--name") { Description = "The user whose key is replaced", Required = true };
        var rotateExpires = new Option<string?>("--expires") { Description = "When the new key expires (as for user add); default never" };
        var rotate = new NodeCommand("rotate", "Give a user a new key (printed once); the old one is refused from now on, also when it was revoked", json: true) { rotateName, rotateExpires };
        rotate.SetNodeAction(async (parse, node, ct) =>
        {
            var userName = parse.GetValue(rotateName)!;
            var now = TimeProvider.System.GetUtcNow();
            var expiry = Expiry(parse.GetValue(rotateExpires), now, "--expires");
            var key = ApiKeys.NewKey();
            if (!await node.Get<ApiUserStore>().RotateAsync(userName, ApiKeys.Hash(key), now, expiry, ct)) throw NoSuchUser(userName);
            if (rotate.Json(parse)) CliOutput.WriteJson(parse, new { name = userName, key, expiresAt = expiry });
            else parse.InvocationConfiguration.Output.WriteLine($"User {userName}: new API key{ExpiryText(expiry)} (shown once): {key}; the old key is refused from now on");
            return 0;
        });
        user.Add(rotate);

        var revokeName = new Option<string>("--name") { Description = "The user whose key is revoked", Required = true };
        var revoke = new NodeCommand("revoke", "Revoke a user's key at once (a leaked key); `user rotate` gives them a new one", json: true) { revokeName };
        revoke.SetNodeAction(async (parse, node, ct) =>
        {
            var userName = parse.GetValue(revokeName)!;
            var now = TimeProvider.System.GetUtcNow();
            if (!await node.Get<ApiUserStore>().RevokeAsync(userName, now, ct)) throw NoSuchUser(userName);
            var revokedAt = (await node.Get<ApiUserStore>().FindAsync(userName, ct))?.RevokedAt ?? now;
            if (revoke.Json(parse)) CliOutput.WriteJson(parse, new { name = userName, revokedAt });
            else parse.InvocationConfiguration.Output.WriteLine($"User {userName}: API key revoked ({Time(revokedAt)}); requests with it get 401 \"API key revoked\"");
            return 0;
        });
        user.Add(revoke);

        var expireName = new Option<string>("--name") { Description = "The user whose key gets an expiry", Required = true };
        var at = new Option<string>("--at") { Description = "When the key expires: now, a date (2027-06-30, UTC), a time, a number of days (90d), or never", Required = true };
        var expire = new NodeCommand("expire", "Set when a user's key expires (now, a date, or never)", json: true) { expireName, at };
        expire.SetNodeAction(async (parse, node, ct) =>
        {
            var userName = parse.GetValue(expireName)!;
            var now = TimeProvider.System.GetUtcNow();
            var text = parse.GetValue(at)!;
            var expiry = text.Equals("now", StringComparison.OrdinalIgnoreCase) ? now : Expiry(text, now, "--at");
            if (!await node.Get<ApiUserStore>().ExpireAsync(userName, expiry, ct)) throw NoSuchUser(userName);
            if (expire.Json(parse)) CliOutput.WriteJson(parse, new { name = userName, expiresAt = expiry });
            else parse.InvocationConfiguration.Output.WriteLine($"User {userName}: API key {(expiry is null ? "never expires" : expiry <= now ? $"expired ({Time(expiry)})" : $"expires {Time(expiry)}")}");
            return 0;
        });
        user.Add(expire);
        return user;
    }

    /// <summary>An expiry given as a date (UTC), a time, a number of days (90d) or "never" (null).</summary>
    internal static DateTimeOffset? Expiry(string? text, DateTimeOffset now, string option)
    {
        if (text is null || text.Equals("never", StringComparison.OrdinalIgnoreCase)) return null;
        if (text.EndsWith('d') && int.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 36500)
            return now.AddDays(days);
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var when))
            return when;
        throw new CliException($"{option} '{text}': expected a date (2027-06-30, UTC), a time (2027-06-30T12:00Z), a number of days (90d) or never");
    }

    private static string ExpiryText(DateTimeOffset? expiry) => expiry is null ? "" : $", key expires {Time(expiry)}";

    private static string? Time(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static CliException NoSuchUser(string name) => CliException.Refused($"--name: no user '{name}' (entente user list shows them)");


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
