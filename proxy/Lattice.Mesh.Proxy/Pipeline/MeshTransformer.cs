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

    private static readonly object CallerKey = new();

    private readonly bool _addCaller;

    private MeshTransformer(bool addCaller) => _addCaller = addCaller;

    /// <summary>Records the authenticated caller for <see cref="Inbound"/> to pass on.</summary>
    public static void SetCaller(HttpContext context, string spiffeId) => context.Items[CallerKey] = spiffeId;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        foreach (var header in IdentityHeaders.Stripped)
        {
            proxyRequest.Headers.Remove(header);
        }

        proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        if (_addCaller && httpContext.Items.TryGetValue(CallerKey, out var caller) && caller is string spiffeId)
        {
            proxyRequest.Headers.TryAddWithoutValidation(IdentityHeaders.Caller, spiffeId);
        }
    }
}
