using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a port the system chose, for a test's backend, app or peer. No
/// appsettings watching: every watcher costs an inotify instance.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where the server listens, such as <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Address { get; }

    public static Task<LoopbackServer> StartAsync(RequestDelegate handler, HttpProtocols protocols = HttpProtocols.Http1, Action<ListenOptions>? listen = null) =>
        StartAsync(_ => { }, app => app.Run(handler), protocols, listen);

    public static async Task<LoopbackServer> StartAsync(Action<WebApplicationBuilder> services, Action<WebApplication> pipeline, HttpProtocols protocols = HttpProtocols.Http1, Action<ListenOptions>? listen = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, port, options =>
        {
            options.Protocols = protocols;
            listen?.Invoke(options);
        }));
        services(builder);
        var app = builder.Build();
        pipeline(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new LoopbackServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
