// Outbound: requests from the local app. Each is allowed only if its Host names a destination of this
// service's route table (a bilateral agreement); anything else is refused here, so it never leaves the pod.
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.Proxy.Pipeline;
using Lattice.Mesh.Proxy.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Outbound;

internal sealed class OutboundHandler(RouteTableSource routes, IHttpForwarder forwarder, RequestRecorder recorder)
{
    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var snapshot = routes.Current;
        if (snapshot is null)
        {
            await ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", "the sidecar has no route table yet, so it allows nothing", "wait for the controller to push this service's table");
            recorder.Record(context, "outbound", "unknown", "unknown", Decisions.Denied, started);
            return;
        }

        var source = snapshot.ServiceKey;
        var host = HostOf(context.Request);
        if (HttpMethods.IsConnect(context.Request.Method))
        {
            await ProxyResponses.DenyAsync(context, $"{snapshot.ServiceName} sent CONNECT {host}: the sidecar forwards plain HTTP and opens no tunnels", "call the destination over plain HTTP; mutual TLS is added between the sidecars");
            recorder.Record(context, "outbound", source, host, Decisions.Denied, started);
            return;
        }

        if (!TryRoute(snapshot, host, out var peer))
        {
            await DenyAsync(context, snapshot, host);
            recorder.Record(context, "outbound", source, snapshot.Denied.GetValueOrDefault(host)?.Service ?? "unknown", Decisions.Denied, started);
            return;
        }

        var error = await forwarder.SendAsync(context, peer.DestinationPrefix, peer.Client, peer.RequestConfig, MeshTransformer.Outbound);
        recorder.Record(context, "outbound", source, peer.Destination.Service, DecisionOf(context, error), started);
    }

    /// <summary>The Host (or HTTP/2 :authority) as the app sent it, port included; empty when there is none.</summary>
    internal static string HostOf(HttpRequest request) => request.Host.Value ?? string.Empty;

    /// <summary>
    /// The allowed destination <paramref name="host"/> names. The snapshot holds every form of every destination's
    /// name, with and without its port, compared case-insensitively, so the Host is looked up exactly as sent: no
    /// string is cut or lowered per request.
    /// </summary>
    internal static bool TryRoute(ProxySnapshot snapshot, string host, [MaybeNullWhen(false)] out PeerRoute peer) =>
        snapshot.Peers.TryGetValue(host, out peer);

    /// <summary>
    /// What happened to a forwarded request, for the <c>decision</c> label: a timeout; an upstream error (the
    /// forwarder failed, or the destination answered 5xx, retried or not); retried (and then answered well);
    /// or simply allowed.
    /// </summary>
    internal static string DecisionOf(HttpContext context, ForwarderError error)
    {
        if (context.Response.Headers.ContainsKey(RetryHandler.TimeoutHeader) || error is ForwarderError.RequestTimedOut)
        {
            return Decisions.Timeout;
        }

        if (error != ForwarderError.None || context.Response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            return Decisions.UpstreamError;
        }

        return context.Response.Headers.TryGetValue(RetryHandler.AttemptsHeader, out var attempts) && attempts != "1"
            ? Decisions.Retried
            : Decisions.Allowed;
    }

    private static Task DenyAsync(HttpContext context, ProxySnapshot snapshot, string host)
    {
        if (snapshot.Denied.TryGetValue(host, out var pending))
        {
            return ProxyResponses.DenyAsync(context, pending.Reason, pending.Fix);
        }

        var name = HostName(host);
        var service = snapshot.Table.Service;
        return ProxyResponses.DenyAsync(
            context,
            $"{service.Name} has no outbound agreement with {name}",
            $"add resources.{FirstLabel(name)} {{type: service, direction: outbound}} to {service}, and {FirstLabel(name)} must declare {service.Name} inbound");
    }

    private static string HostName(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
    }

    private static string FirstLabel(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }
}
