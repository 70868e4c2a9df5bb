using System.Net;
using Lattice.Mesh.Proxy.Admin;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.Proxy.Inbound;
using Lattice.Mesh.Proxy.Outbound;
using Lattice.Mesh.Proxy.Pipeline;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy;

/// <summary>
/// One sidecar: a Kestrel server with three listeners (outbound, inbound with mutual TLS, admin), each
/// connection tagged with its listener so that nothing a client sends can move it to another pipeline.
/// </summary>
public sealed class ProxyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions[] _listeners;
    private readonly RouteTablePushClient? _push;
    private readonly WorkloadCertificateClient? _issuer;

    private ProxyServer(WebApplication app, ListenOptions[] listeners, RouteTablePushClient? push, WorkloadCertificateClient? issuer)
    {
        _app = app;
        _listeners = listeners;
        _push = push;
        _issuer = issuer;
    }

    public Uri OutboundUri => Uri("http", _listeners[0]);

    public Uri InboundUri => Uri("https", _listeners[1]);

    public Uri AdminUri => Uri("http", _listeners[2]);

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a sidecar. Ports of 0 in <paramref name="options"/> are chosen by the system and read back here.
    /// <paramref name="time"/> is the system clock unless a test gives another (to see a certificate's expiry without waiting for it).
    /// </summary>
    public static async Task<ProxyServer> StartAsync(ProxyOptions options, Action<ILoggingBuilder>? logging = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Configuration comes from ProxyOptions, not appsettings files: watching them would cost an inotify instance each.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        ProxyLogging.Configure(builder.Logging, logging);

        time ??= TimeProvider.System;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddHttpForwarder();
        var instance = new ProxyInstance();
        builder.Services.AddSingleton(instance);
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<RequestRecorder>();
        builder.Services.AddSingleton(sp => new MeshCertificateStore(
            new MeshCertificateOptions { CertificatePath = options.CertificatePath, KeyPath = options.KeyPath, TrustBundlePath = options.TrustBundlePath, PollInterval = options.PollInterval },
            sp.GetRequiredService<ILogger<MeshCertificateStore>>(),
            time));
        builder.Services.AddSingleton(new RetryOptions { MaxBufferedBodyBytes = options.MaxRetryBufferBytes, RetryNonIdempotent = options.RetryNonIdempotent });
        builder.Services.AddSingleton<PeerClientFactory>();
        builder.Services.AddSingleton<ProxySnapshotBuilder>();
        builder.Services.AddSingleton<RouteTableSource>();
        builder.Services.AddSingleton<CallerRateLimiters>();
        builder.Services.AddSingleton(sp => new InboundHandler(
            sp.GetRequiredService<RouteTableSource>(),
            sp.GetRequiredService<IHttpForwarder>(),
            AppClient(sp.GetRequiredService<ILogger<ForwarderHttpClientFactory>>()),
            sp.GetRequiredService<CallerRateLimiters>(),
            sp.GetRequiredService<RequestRecorder>()));
        builder.Services.AddSingleton<OutboundHandler>();
        builder.Services.AddSingleton<AdminEndpoints>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(ProxyMetrics.MeterName)
                .AddView(instrument => ReferenceEquals(instrument.Meter.Scope, instance) ? null : MetricStreamConfiguration.Drop)
                .AddPrometheusExporter());
        if (options.OtlpEndpoint is { } collector)
        {
            telemetry.WithTracing(tracing => tracing
                .ConfigureResource(resource => resource.AddService("lattice-proxy", serviceInstanceId: options.Instance))
                .AddSource("Microsoft.AspNetCore", "System.Net.Http")
                .AddOtlpExporter(otlp =>
                {
                    otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                    otlp.Endpoint = TracesEndpoint(collector);
                }));
        }

        var listeners = new ListenOptions[3];
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = options.InlineScheduling);
        builder.WebHost.UseKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.AllowHostHeaderOverride = true; // absolute-form requests (HTTP proxy style) route by their authority
            kestrel.Limits.MaxRequestBodySize = null; // bodies stream through (media uploads); the app sets its own limit
            var certificates = kestrel.ApplicationServices.GetRequiredService<MeshCertificateStore>();
            kestrel.Listen(IPAddress.Loopback, options.OutboundPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listeners[0] = listen.Tag(Listener.Outbound);
            });
            kestrel.Listen(IPAddress.Parse(options.InboundBindAddress), options.InboundPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https => MeshTls.ConfigureServer(https, certificates));
                listeners[1] = listen.Tag(Listener.Inbound);
            });
            kestrel.Listen(IPAddress.Parse(options.AdminBindAddress), options.AdminPort, listen => listeners[2] = listen.Tag(Listener.Admin));
        });

        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => ListenerTagging.ListenerOf(context) == Listener.Admin && context.Request.Path == "/metrics",
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);

        var outbound = app.Services.GetRequiredService<OutboundHandler>();
        var inbound = app.Services.GetRequiredService<InboundHandler>();
        var admin = app.Services.GetRequiredService<AdminEndpoints>();
        app.Run(context => ListenerTagging.ListenerOf(context) switch
        {
            Listener.Outbound => outbound.HandleAsync(context),
            Listener.Inbound => inbound.HandleAsync(context),
            Listener.Admin => admin.HandleAsync(context),
            _ => ProxyResponses.WriteAsync(context, StatusCodes.Status421MisdirectedRequest, "misdirected", "the connection came in on no known listener", "connect to the outbound, inbound or admin port"),
        });

        var certificatesStore = app.Services.GetRequiredService<MeshCertificateStore>();
        certificatesStore.Start();
        WorkloadCertificateClient? issuer = null;
        if (options.Controller is { BootstrapTokenPath.Length: > 0 } withToken)
        {
            issuer = new WorkloadCertificateClient(withToken, options.TrustBundlePath, certificatesStore, time, app.Services.GetRequiredService<ILogger<WorkloadCertificateClient>>());
            issuer.Start();
        }

        var routes = app.Services.GetRequiredService<RouteTableSource>();
        var limiters = app.Services.GetRequiredService<CallerRateLimiters>();
        routes.Applied += snapshot => limiters.Retain(snapshot.Table.Inbound.Select(c => c.SpiffeId));
        routes.Watch(options.RouteTablePath, options.PollInterval, time);
        RouteTablePushClient? push = null;
        if (options.Controller is { } controller)
        {
            push = new RouteTablePushClient(controller, options.RouteTablePath, routes, certificatesStore, time, app.Services.GetRequiredService<ILogger<RouteTablePushClient>>());
            push.Start();
        }

        await app.StartAsync(cancellationToken);
        var server = new ProxyServer(app, listeners, push, issuer);
        var logger = app.Services.GetRequiredService<ILogger<ProxyServer>>();
        if (logger.IsEnabled(LogLevel.Information))
        {
            var service = routes.Current?.Table.Service.ToString() ?? "(no table yet)";
            var (outboundAt, inboundAt, adminAt) = (server.OutboundUri.ToString(), server.InboundUri.ToString(), server.AdminUri.ToString());
            ProxyLog.Listening(logger, service, outboundAt, inboundAt, adminAt);
        }

        return server;
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
        _app.Services.GetRequiredService<RouteTableSource>().Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>The client to the local app: plain HTTP/1.1 on loopback, pooled, with YARP's proxy defaults.</summary>
    private static HttpMessageInvoker AppClient(ILogger<ForwarderHttpClientFactory> logger) =>
        new ForwarderHttpClientFactory(logger).CreateClient(new ForwarderHttpClientContext
        {
            ClusterId = "local-app",
            OldConfig = HttpClientConfig.Empty,
            OldMetadata = null,
            OldClient = null,
            NewConfig = HttpClientConfig.Empty,
            NewMetadata = null,
        });

    /// <summary>Where OTLP/HTTP takes spans under a collector's base address: <c>v1/traces</c>, after any path the base has.</summary>
    internal static Uri TracesEndpoint(Uri collector) => new($"{collector.GetLeftPart(UriPartial.Path).TrimEnd('/')}/v1/traces");

    private static Uri Uri(string scheme, ListenOptions listen) => new($"{scheme}://{listen.IPEndPoint!.Address}:{listen.IPEndPoint.Port}");
}
