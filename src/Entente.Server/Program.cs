using Entente.Nodes;

var builder = WebApplication.CreateBuilder(args);
builder.AddEntenteNode();

var app = builder.Build();
await app.MapEntenteNodeAsync();
await app.RunAsync();
