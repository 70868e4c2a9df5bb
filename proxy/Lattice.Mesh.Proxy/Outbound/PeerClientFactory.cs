using System.Net;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Outbound;

/// <summary>
/// Builds the pooled client for one destination through YARP's client factory, so it gets YARP's proxy
/// defaults (no cookies, redirects, decompression or system proxy; trace context propagated), then adds the
/// mesh's parts: mutual TLS that accepts only the destination's SPIFFE id, and retries and timeouts as a
/// handler around the connection pool.
/// </summary>
internal sealed class PeerClientFactory(MeshCertificateStore certificates, RetryOptions retryOptions, ProxyOptions options, TimeProvider time, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RetryBudget> _budgets = new(StringComparer.Ordinal);
    private OutboundDestination? _building;

    public HttpMessageInvoker Create(OutboundDestination destination)
    {
        lock (_gate)
        {
            _building = destination;
            try
            {
                return CreateClient(new ForwarderHttpClientContext
                {
                    ClusterId = destination.Service,
                    OldConfig = HttpClientConfig.Empty,
                    OldMetadata = null,
                    OldClient = null,
                    NewConfig = new HttpClientConfig { EnableMultipleHttp2Connections = true, DangerousAcceptAnyServerCertificate = false, MaxConnectionsPerServer = options.MaxPeerConnections },
                    NewMetadata = null,
                });
            }
            finally
            {
                _building = null;
            }
        }
    }

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        var destination = _building ?? throw new InvalidOperationException("clients are built through Create");
        MeshTls.ConfigureClient(handler.SslOptions, certificates, destination.SpiffeId);
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2);

        // Busy HTTP/2 connections would otherwise keep a rotated-out certificate and trust bundle forever.
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(10);
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        var destination = _building ?? throw new InvalidOperationException("clients are built through Create");

        // One budget per destination for the sidecar's lifetime: a reload must not reset it.
        if (!_budgets.TryGetValue(destination.Service, out var budget))
        {
            budget = new RetryBudget(time);
            _budgets[destination.Service] = budget;
        }

        return new RetryHandler(destination.Service, destination.Retries, destination.Timeout, budget, retryOptions, time) { InnerHandler = handler };
    }

    /// <summary>The settings for sidecar-to-sidecar hops: HTTP/1.1 exactly (the default), or HTTP/2 (several connections allowed).</summary>
    public static ForwarderRequestConfig RequestConfig(OutboundDestination destination, ProxyOptions options) => new()
    {
        Version = options.PeerHttpVersion,
        VersionPolicy = options.PeerHttpVersion == HttpVersion.Version11 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = destination.Timeout?.Idle ?? options.DefaultIdleTimeout,
        AllowResponseBuffering = false,
    };
}
