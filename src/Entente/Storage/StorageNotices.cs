namespace Entente.Storage;

/// <summary>
/// What the storage layer tells the node's operator while it works, for the host to show (the command line writes it
/// to standard error, the server logs it): the layer has no logger of its own, and its waits are process-wide.
/// </summary>
public static class StorageNotices
{
    /// <summary>Raised, once per wait, when opening a node's SQLite file waits for another process's bulk load.</summary>
    public static event Action<string>? Waiting;

    internal static void RaiseWaiting(string message) => Waiting?.Invoke(message);
}
