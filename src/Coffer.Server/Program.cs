using Coffer.Core;
using Coffer.Data;
using Coffer.Server.Api;
using Coffer.Server.Auth;
using Coffer.Server.Hosting;
using Coffer.Server.Web;

var builder = WebApplication.CreateBuilder(args);
builder.UseCofferDefaults();

builder.Services
    .AddCofferOptions(builder.Configuration)
    .AddCofferCore()
    .AddCofferDatabase(builder.Configuration)
    .AddCofferStorage(builder.Configuration)
    .AddCofferHosting()
    .AddCofferProxies(builder.Configuration)
    .AddCofferAuthentication()
    .AddCofferWeb();

var app = builder.Build();

app.UseCofferProxies();
app.UseCofferHosting();
app.UseAuthentication();
app.UseAuthorization();

app.MapCofferHealthChecks();
app.MapOpenApi();
app.MapCofferApi();
app.MapCofferWeb();

if (KeyCommands.IsKeyCommand(args))
    return await KeyCommands.RunAsync(app, args);
if (BackupCommands.IsBackupCommand(args))
    return await BackupCommands.RunAsync(app, args);
if (FsckCommand.IsFsckCommand(args))
    return await FsckCommand.RunAsync(app, args);
return await app.RunCofferAsync();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
