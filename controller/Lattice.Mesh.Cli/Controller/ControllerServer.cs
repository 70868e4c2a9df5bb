using System.Net;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Cli.Controller;

/// <summary>
/// The controller's server for sidecars, the same locally (<c>lattice-mesh up</c>) and in a cluster
/// (<c>lattice-mesh controller</c>): Kestrel over TLS as the controller's own SPIFFE identity, serving the route-table
/// push (to sidecars presenting a mesh certificate) and certificate issuance (to sidecars presenting a bootstrap
/// credential, which have no certificate yet). Its own certificate is issued from the CA and renewed at half-life.
/// </summary>
internal sealed class ControllerServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MeshCertificateStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _renewal;

    private ControllerServer(WebApplication app, MeshCertificateStore store, MeshCertificateAuthority authority, string folder, DateTimeOffset renewAt, ILogger logger)
    {
        _app = app;
        _store = store;
        _renewal = RenewAsync(authority, folder, renewAt, logger, _stopping.Token);
    }

    public Uri Uri => new(_app.Urls.Single());

    /// <param name="authority">The mesh CA: it certifies this server and the sidecars.</param>
    /// <param name="distributor">The route tables to push.</param>
    /// <param name="authenticator">Who a bootstrap credential is.</param>
    /// <param name="folder">Where the server keeps its own certificate files.</param>
    /// <param name="endpoint">Where to listen (port 0: any free port).</param>
    /// <param name="serving">Whether this replica streams route tables now (the leader); others answer 503 and the sidecar tries again.</param>
    /// <param name="loggers">Logging, or none.</param>
    public static async Task<ControllerServer> StartAsync(MeshCertificateAuthority authority, RouteTableDistributor distributor, IWorkloadAuthenticator authenticator, string folder, IPEndPoint endpoint, Func<bool>? serving = null, ILoggerFactory? loggers = null)
    {
        var renewAt = Issue(authority, folder);
        var store = new MeshCertificateStore(MeshCertificateOptions.InFolder(folder), (loggers ?? NullLoggerFactory.Instance).CreateLogger<MeshCertificateStore>());
        store.Start();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        if (loggers is not null)
        {
            builder.Services.AddSingleton(loggers);
        }

        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https => MeshTls.ConfigureServer(https, store, requireClientCertificate: false));
            });
        });
        var app = builder.Build();
        app.MapRouteTablePush(distributor, context => context.GetCallerSpiffeId(), serving);
        app.MapCertificateIssuance(authority, authenticator);
        await app.StartAsync();
        return new ControllerServer(app, store, authority, folder, renewAt, (loggers ?? NullLoggerFactory.Instance).CreateLogger<ControllerServer>());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _renewal;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _store.Dispose();
        _stopping.Dispose();
    }

    private static DateTimeOffset Issue(MeshCertificateAuthority authority, string folder)
    {
        using var own = authority.IssueWorkload(PushProtocol.ControllerSpiffeId(authority.TrustDomain));
        own.WriteFiles(folder);
        return own.RenewAt;
    }

    private static async Task RenewAsync(MeshCertificateAuthority authority, string folder, DateTimeOffset renewAt, ILogger logger, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var wait = renewAt - DateTimeOffset.UtcNow;
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stopping);
                renewAt = Issue(authority, folder);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The current certificate serves until it expires; keep trying well before that.
                ControllerLog.RenewalFailed(logger, e.Message);
                renewAt = DateTimeOffset.UtcNow.AddMinutes(1);
            }
        }
    }
}

internal static partial class ControllerLog
{
    [LoggerMessage(EventId = 5501, Level = LogLevel.Error, Message = "Renewing the controller's own certificate failed ({Reason}); retrying in a minute")]
    public static partial void RenewalFailed(ILogger logger, string reason);
}
