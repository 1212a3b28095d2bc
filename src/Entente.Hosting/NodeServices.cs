using Entente.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>
/// A node's services outside the server (the CLI, tools): the same composition as <c>entente serve</c>
/// (<see cref="NodeComposition.AddEntenteNode"/>), its settings validated and its schema migrated, without background work.
/// </summary>
public sealed class NodeServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private NodeServices(ServiceProvider provider, NodeOptions node)
    {
        _provider = provider;
        Node = node;
    }

    public NodeOptions Node { get; }

    public static async Task<NodeServices> OpenAsync(NodeOptions node, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(NodeHome.ConfigPath(node.Home), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var services = new ServiceCollection();
        services.AddEntenteNode(configuration, node, time ?? TimeProvider.System);
        var provider = services.BuildServiceProvider();
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
            await provider.GetRequiredService<IDeclarationStore>().MigrateAsync(cancellationToken);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
        return new NodeServices(provider, node);
    }

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
