using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Inbound;
using Lattice.Mesh.Proxy.Pipeline;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Telemetry;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// The ingress gateway: a Kestrel server with an HTTPS listener (HTTP/1.1 and HTTP/2; the certificate chosen per
/// connection by SNI from the mounted TLS Secrets, intermediates included) and an HTTP listener that only
/// redirects to HTTPS (308). Requests are routed by Host to the sidecar of the service that declared the host,
/// over mesh mutual TLS as the gateway's identity, requiring that sidecar's SPIFFE id.
/// <para>
/// Media-friendly: nothing is buffered either way and request bodies have no size limit (uploads stream), Range
/// requests and their 206 pass through untouched, WebSocket upgrades pass (HTTP/1.1 towards the sidecar), and there
/// is no whole-request timeout, only <see cref="GatewayOptions.IdleTimeout"/>. The client's Host name is kept (without a port); the
/// X-Forwarded-For/Proto/Host headers are set (what the client sent in them is replaced), and identity headers
/// from the client are dropped.
/// </para>
/// <para>
/// The route table is swapped whole by <see cref="TryApply"/>; an invalid one is refused and the last good one keeps
/// serving. Unknown hosts get 404 naming only the host asked for, never the hosts that exist.
/// </para>
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _http;
    private readonly ListenOptions _https;
    private readonly ListenOptions _status;
    private readonly GatewayClientFactory _clients;
    private readonly CallerRateLimiters _limiters;
    private readonly ILogger _logger;
    private readonly Lock _applying = new();
    private GatewayRoutes? _routes;
    private GatewayTableInput? _input;
    private RouteTablePushClient? _push;
    private WorkloadCertificateClient? _issuer;

    private GatewayServer(WebApplication app, ListenOptions http, ListenOptions https, ListenOptions status, GatewayCertificates certificates, MeshCertificateStore meshCertificates, GatewayClientFactory clients, CallerRateLimiters limiters, ILogger logger)
    {
        _app = app;
        _http = http;
        _https = https;
        _status = status;
        Certificates = certificates;
        MeshCertificates = meshCertificates;
        _clients = clients;
        _limiters = limiters;
        _logger = logger;
    }

    /// <summary>Where the HTTP (redirect) listener is bound, such as <c>http://127.0.0.1:40123</c>.</summary>
    public Uri HttpUri => Uri("http", _http);

    /// <summary>Where the HTTPS listener is bound, such as <c>https://127.0.0.1:40124</c>.</summary>
    public Uri HttpsUri => Uri("https", _https);

    /// <summary>Where the status listener is bound: <c>/healthz/ready</c> for readiness probes.</summary>
    public Uri StatusUri => Uri("http", _status);

    /// <summary>The public certificates served, by SNI.</summary>
    public GatewayCertificates Certificates { get; }

    /// <summary>The gateway's mesh certificate, presented to the sidecars.</summary>
    public MeshCertificateStore MeshCertificates { get; }

    /// <summary>The revision of the route table in force, or null before the first.</summary>
    public string? Revision => Volatile.Read(ref _routes)?.Table.Revision;

    /// <summary>
    /// Starts the gateway. Ports of 0 are chosen by the system and read back in <see cref="HttpUri"/> and
    /// <see cref="HttpsUri"/>. Certificates are loaded and watched (bad or missing ones refuse handshakes for their
    /// hosts, they do not fail the start).
    /// </summary>
    /// <exception cref="ArgumentException">The options are unusable, or <see cref="GatewayOptions.Routes"/> is invalid; the message lists every problem.</exception>
    public static async Task<GatewayServer> StartAsync(GatewayOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        // Configuration comes from GatewayOptions, not appsettings files: watching them would cost an inotify instance each.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        ProxyLogging.Configure(builder.Logging, logging);

        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(sp => new GatewayCertificates(options.Certificates, sp.GetRequiredService<ILogger<GatewayCertificates>>()));
        builder.Services.AddSingleton(sp => new MeshCertificateStore(options.MeshCertificates, sp.GetRequiredService<ILogger<MeshCertificateStore>>()));

        ListenOptions? http = null;
        ListenOptions? https = null;
        ListenOptions? status = null;
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = options.InlineScheduling);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Uploads stream to the service: its app, not the gateway, decides how large a body may be.
            kestrel.Limits.MaxRequestBodySize = null;
            var certificates = kestrel.ApplicationServices.GetRequiredService<GatewayCertificates>();
            var logger = kestrel.ApplicationServices.GetRequiredService<ILogger<GatewayServer>>();
            var address = IPAddress.Parse(options.BindAddress);
            kestrel.Listen(address, options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                http = listen;
            });
            kestrel.Listen(address, options.HttpsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = context => ValueTask.FromResult(ServerOptions(certificates, context.ClientHelloInfo.ServerName, logger)),
                });
                https = listen;
            });
            kestrel.Listen(address, options.StatusPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                status = listen.Tag(Listener.Admin);
            });
        });

        var app = builder.Build();
        var gatewayCertificates = app.Services.GetRequiredService<GatewayCertificates>();
        var meshCertificates = app.Services.GetRequiredService<MeshCertificateStore>();
        var clients = new GatewayClientFactory(meshCertificates, options.ConnectTimeout, options.MaxSidecarConnections, app.Services.GetRequiredService<ILogger<ForwarderHttpClientFactory>>());
        var limiters = new CallerRateLimiters();
        var transformer = app.Services.GetRequiredService<ITransformBuilder>().Create(context =>
        {
            // YARP's default X-Forwarded-For/Proto/Host/Prefix stay on (set, replacing the client's; X-Forwarded-Host
            // keeps the client's Host whole). The Host is the client's host name without its port: the inbound sidecar
            // picks the service port from the Host's port, and a client must not choose which port of the service it
            // reaches through the gateway.
            context.AddOriginalHost(useOriginal: false);
            context.AddRequestTransform(transform =>
            {
                transform.ProxyRequest.Headers.Host = transform.HttpContext.Request.Host.Host;
                return ValueTask.CompletedTask;
            });
            foreach (var header in IdentityHeaders.Stripped)
            {
                context.AddRequestHeaderRemove(header);
            }
        });

        GatewayServer? server = null;
        var handler = new GatewayHandler(
            () => server is null ? null : Volatile.Read(ref server._routes),
            app.Services.GetRequiredService<IHttpForwarder>(),
            transformer,
            GatewayClientFactory.RequestConfig(options.IdleTimeout),
            limiters,
            () => options.PublicHttpsPort != 0 ? options.PublicHttpsPort : server!.HttpsUri.Port);
        app.Run(context => ListenerTagging.ListenerOf(context) == Listener.Admin ? server!.StatusAsync(context) : handler.HandleAsync(context));

        server = new GatewayServer(app, http!, https!, status!, gatewayCertificates, meshCertificates, clients, limiters, app.Services.GetRequiredService<ILogger<GatewayServer>>());
        if (options.Routes is { } initial && !server.TryApply(initial, out var failure))
        {
            await app.DisposeAsync();
            throw new ArgumentException($"Gateway options are invalid: Routes: {failure}", nameof(options));
        }

        try
        {
            gatewayCertificates.Start();
            meshCertificates.Start();
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            // A port in use, say: release the certificate watchers and the host before the caller sees the failure.
            await app.DisposeAsync();
            limiters.Dispose();
            throw;
        }

        server.Connect(options);

        GatewayLog.Listening(server._logger, server.HttpUri, server.HttpsUri, server.StatusUri);
        return server;
    }

    /// <summary>
    /// Puts <paramref name="table"/> (its <see cref="RouteTable.RouteTable.Gateway"/> hosts) in force, swapped whole.
    /// An invalid table is refused with every error in <paramref name="failure"/>, logged, and the table in force
    /// keeps serving. Clients and rate limits of hosts whose sidecar and policy are unchanged carry over.
    /// </summary>
    public bool TryApply(RouteTable.RouteTable table, out string failure)
    {
        ArgumentNullException.ThrowIfNull(table);
        lock (_applying)
        {
            var previous = Volatile.Read(ref _routes);
            if (!GatewayRoutes.TryBuild(table, previous, _clients, out var routes, out failure))
            {
                GatewayLog.TableRefused(_logger, failure, previous is null ? "no table is in force" : $"{previous.Table.Revision} stays in force");
                return false;
            }

            Volatile.Write(ref _routes, routes);
            _limiters.Retain(routes.ByHost.Values.Where(d => d.Host.RateLimit is not null).Select(d => d.Host.Host));
            GatewayLog.TableApplied(_logger, table.Revision, routes.ByHost.Count);
            return true;
        }
    }

    /// <summary>
    /// The status listener: <c>/healthz/ready</c> answers 200 once the gateway has a route table and a mesh certificate
    /// (without either it can serve no host), else 503 saying what is missing; <c>/healthz/live</c> answers 200.
    /// </summary>
    private Task StatusAsync(HttpContext context)
    {
        switch (context.Request.Path.Value)
        {
            case "/healthz/live":
                return context.Response.WriteAsync("live\n");
            case "/healthz/ready":
                var missing = new List<string>();
                if (Revision is null)
                {
                    missing.Add(_input?.LastError is { } error ? $"no valid route table ({error})" : "no route table yet");
                }

                if (MeshCertificates.Current is null)
                {
                    missing.Add(MeshCertificates.LastError is { } problem ? $"no mesh certificate ({problem})" : "no mesh certificate yet");
                }

                if (missing.Count > 0)
                {
                    return ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", string.Join("; ", missing), "wait for the controller to issue the gateway's certificate and push its table");
                }

                return context.Response.WriteAsync($"ready: route table {Revision}, {MeshCertificates.Current}\n");
            default:
                return ProxyResponses.WriteAsync(context, StatusCodes.Status404NotFound, "not_found", $"the status listener has no {context.Request.Path}", "use /healthz/ready or /healthz/live");
        }
    }

    /// <summary>The route table file and the controller, when the options name them: tables from both go through one <see cref="GatewayTableInput"/>.</summary>
    private void Connect(GatewayOptions options)
    {
        if (options.RouteTablePath is not { Length: > 0 } path)
        {
            return;
        }

        var time = TimeProvider.System;
        _input = new GatewayTableInput(this, _logger);
        _input.Watch(path, options.Certificates.PollInterval, time);
        if (options.Controller is not { } controller)
        {
            return;
        }

        if (controller.BootstrapTokenPath is { Length: > 0 })
        {
            _issuer = new WorkloadCertificateClient(controller, options.MeshCertificates.TrustBundlePath, MeshCertificates, time, _app.Services.GetRequiredService<ILogger<WorkloadCertificateClient>>());
            _issuer.Start();
        }

        _push = new RouteTablePushClient(controller, path, _input, MeshCertificates, time, _app.Services.GetRequiredService<ILogger<RouteTablePushClient>>());
        _push.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_push is not null)
        {
            await _push.DisposeAsync();
        }

        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }

        await _app.StopAsync();
        _input?.Dispose();
        await _app.DisposeAsync();
        _limiters.Dispose();
    }

    /// <summary>The gateway's door for tables from its file and the controller: valid ones go to <see cref="TryApply"/>.</summary>
    private sealed class GatewayTableInput(GatewayServer server, ILogger logger) : RouteTableInput(logger)
    {
        public override string? Revision => server.Revision;

        protected override RouteTableReadResult Apply(RouteTableReadResult read, string origin)
        {
            if (!read.IsValid)
            {
                GatewayLog.TableRefused(server._logger, $"from {origin}: {string.Join("; ", read.Errors)}", server.Revision is { } revision ? $"{revision} stays in force" : "no table is in force");
                return read;
            }

            if (read.Table.Revision == server.Revision)
            {
                return read;
            }

            return server.TryApply(read.Table, out var failure)
                ? read
                : read with { Table = null, Errors = [new RouteTableError("gateway", failure, "correct the table; the last good one keeps serving")] };
        }
    }

    private static void Validate(GatewayOptions options)
    {
        var errors = new List<string>();
        foreach (var (name, port) in new[] { (nameof(options.HttpPort), options.HttpPort), (nameof(options.HttpsPort), options.HttpsPort), (nameof(options.StatusPort), options.StatusPort) })
        {
            if (port is < 0 or > 65535)
            {
                errors.Add($"{name} {port} is not a port; use 0 to 65535 (0 lets the system choose)");
            }
        }

        if (options.PublicHttpsPort is < 0 or > 65535)
        {
            errors.Add($"PublicHttpsPort {options.PublicHttpsPort} is not a port; use 1 to 65535, 0 for the port the HTTPS listener is bound to, or omit it for 443");
        }

        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            errors.Add($"BindAddress '{options.BindAddress}' is not an IP address; use 0.0.0.0 for every interface or 127.0.0.1 for this machine only");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"IdleTimeout {options.IdleTimeout} must be positive; omit it for 5 minutes");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"ConnectTimeout {options.ConnectTimeout} must be positive; omit it for 5 seconds");
        }

        if (options.MaxSidecarConnections <= 0)
        {
            errors.Add($"MaxSidecarConnections {options.MaxSidecarConnections} must be above 0; omit it for 1024");
        }

        if (options.Certificates is null)
        {
            errors.Add("Certificates is missing; set it to the folder of the mounted TLS Secrets");
        }

        if (options.Controller is not null && string.IsNullOrEmpty(options.RouteTablePath))
        {
            errors.Add("Controller is set without RouteTablePath; name the file the pushed tables are kept in, so that a restart without the controller still serves");
        }

        if (options.MeshCertificates is null)
        {
            errors.Add("MeshCertificates is missing; set it to the gateway's mesh certificate, key and trust bundle");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"Gateway options are invalid: {string.Join("; ", errors)}.", nameof(options));
        }
    }

    /// <summary>
    /// The handshake's settings for the SNI name asked for: its certificate with the intermediates from <c>tls.crt</c>.
    /// Without a name, or without a certificate for it, the handshake fails (see <see cref="GatewayCertificates.Select"/>
    /// for why there is no default certificate).
    /// </summary>
    private static SslServerAuthenticationOptions ServerOptions(GatewayCertificates certificates, string? serverName, ILogger logger)
    {
        if (certificates.SelectContext(serverName) is not { } context)
        {
            GatewayLog.NoCertificate(logger, serverName ?? "(none sent)");
            throw new AuthenticationException($"no certificate for the server name '{serverName}'");
        }

        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = MeshTls.Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = false,
        };
    }

    private static Uri Uri(string scheme, ListenOptions listen) => new($"{scheme}://{listen.IPEndPoint!.Address}:{listen.IPEndPoint.Port}");
}
