using Lattice.Mesh.Proxy.Security;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Pipeline;

/// <summary>
/// What changes between the request received and the request forwarded: the Host is kept (the callee's
/// sidecar picks the app port from it), identity headers from the client are dropped, and on the inbound
/// side the proven caller identity is added for the app.
/// </summary>
internal sealed class MeshTransformer : HttpTransformer
{
    public static readonly MeshTransformer Outbound = new(addCaller: false);

    public static readonly MeshTransformer Inbound = new(addCaller: true);

    private readonly bool _addCaller;

    private MeshTransformer(bool addCaller) => _addCaller = addCaller;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        foreach (var header in IdentityHeaders.Stripped)
        {
            proxyRequest.Headers.Remove(header);
        }

        proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        // The identity mutual TLS proved for this connection (cached per connection by the TLS validation).
        if (_addCaller && httpContext.GetCallerSpiffeId() is { } spiffeId)
        {
            proxyRequest.Headers.TryAddWithoutValidation(IdentityHeaders.Caller, spiffeId);
        }
    }
}
