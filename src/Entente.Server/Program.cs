using Entente.Hosting;
using Entente.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddEntente();

var app = builder.Build();
StorageNotices.Waiting += notice => app.Logger.LogWarning("{Notice}", notice);
await app.MapEntenteAsync();
await app.RunAsync();
