using System.Net;
using Lattice.Mesh.Proxy.Security;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// Builds the pooled client towards one service sidecar through YARP's client factory (so it has YARP's proxy
/// defaults: no cookies, redirects, decompression or system proxy), then makes it a mesh client: it presents the
/// gateway's certificate and accepts the sidecar only with the SPIFFE id the route table names.
/// <para>
/// HTTP/1.1 only towards the sidecar, so that WebSocket upgrades (Jellyfin's) pass: YARP turns an HTTP/2 WebSocket
/// from the client (extended CONNECT) into an HTTP/1.1 upgrade on this hop.
/// </para>
/// </summary>
internal sealed class GatewayClientFactory(MeshCertificateStore certificates, TimeSpan connectTimeout, int maxConnections, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    private const string SpiffeIdKey = "spiffeId";

    public HttpMessageInvoker Create(string address, string spiffeId) => CreateClient(new ForwarderHttpClientContext
    {
        ClusterId = address,
        OldConfig = HttpClientConfig.Empty,
        OldMetadata = null,
        OldClient = null,
        NewConfig = new HttpClientConfig { DangerousAcceptAnyServerCertificate = false, MaxConnectionsPerServer = maxConnections },
        NewMetadata = new Dictionary<string, string>(StringComparer.Ordinal) { [SpiffeIdKey] = spiffeId },
    });

    /// <summary>The settings for the hop to a sidecar: HTTP/1.1 exactly, no response buffering, an idle timeout and no whole-request timeout.</summary>
    public static ForwarderRequestConfig RequestConfig(TimeSpan idleTimeout) => new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = idleTimeout,
        AllowResponseBuffering = false,
    };

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        var spiffeId = context.NewMetadata?.GetValueOrDefault(SpiffeIdKey) ?? throw new InvalidOperationException("clients are built through Create");
        MeshTls.ConfigureClient(handler.SslOptions, certificates, spiffeId);
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2);

        // A long-lived connection would otherwise keep a rotated-out certificate and trust bundle forever.
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(10);
        handler.ConnectTimeout = connectTimeout;
    }
}
