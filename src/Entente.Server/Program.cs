using Entente.Nodes;
using Entente.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddEntenteNode();

var app = builder.Build();
StorageNotices.Waiting += notice => app.Logger.LogWarning("{Notice}", notice);
await app.MapEntenteNodeAsync();
await app.RunAsync();
