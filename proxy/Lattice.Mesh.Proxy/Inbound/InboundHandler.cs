// Inbound: requests from other sidecars and the gateway over mutual TLS. The caller is the SPIFFE id its
// certificate proves; it is let through only if this service's table lists it, within its rate limit.
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.RateLimiting;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Pipeline;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Telemetry;
using Lattice.Mesh.RouteTable;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Inbound;

internal sealed class InboundHandler(RouteTableSource routes, IHttpForwarder forwarder, HttpMessageInvoker appClient, CallerRateLimiters limiters, RequestRecorder recorder)
{
    private static readonly ForwarderRequestConfig AppRequest = new() { AllowResponseBuffering = false, ActivityTimeout = TimeSpan.FromMinutes(5) };

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var snapshot = routes.Current;
        var callerId = context.GetCallerSpiffeId();
        if (snapshot is null)
        {
            await ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", "the sidecar has no route table yet, so it allows nothing", "wait for the controller to push this service's table");
            recorder.Record(context, "inbound", CallerName(callerId), "unknown", Decisions.Denied, started);
            return;
        }

        var self = snapshot.ServiceKey;
        if (!TryAuthorize(snapshot, callerId, out var allowed))
        {
            var caller = CallerName(callerId);
            var name = caller.StartsWith(snapshot.Table.Service.Namespace + "/", StringComparison.Ordinal) ? caller[(caller.IndexOf('/') + 1)..] : caller;
            await ProxyResponses.DenyAsync(
                context,
                $"{snapshot.ServiceName} has no inbound agreement with {name}",
                $"add resources.{name[(name.IndexOf('/') + 1)..]} {{type: service, direction: inbound}} to {self}, and {name} must declare {snapshot.ServiceName} outbound");
            recorder.Record(context, "inbound", caller, self, Decisions.Denied, started);
            return;
        }

        if (allowed.RateLimit is { } limit)
        {
            var limiter = limiters.For(callerId, limit);
            using var lease = limiter.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(limit.IntervalSeconds);
                var remaining = (int)(limiter.GetStatistics()?.CurrentAvailablePermits ?? 0);
                await ProxyResponses.RateLimitedAsync(context, $"{allowed.Service} is over its limit of {limit.RequestsPerInterval} requests per {limit.IntervalSeconds}s into {self} ({limit.PerReplicaRequestsPerInterval} per replica)", limit.PerReplicaRequestsPerInterval, remaining, retryAfter);
                recorder.Record(context, "inbound", allowed.Service, self, Decisions.RateLimited, started);
                return;
            }
        }

        var port = PortFor(snapshot, allowed, context.Request.Host);
        if (port is null)
        {
            await ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "no_port", $"{self} declares no service ports", $"add service.ports to {self}");
            recorder.Record(context, "inbound", allowed.Service, self, Decisions.UpstreamError, started);
            return;
        }

        var error = await forwarder.SendAsync(context, snapshot.AppAddresses[port.Port], appClient, AppRequest, MeshTransformer.Inbound);
        recorder.Record(context, "inbound", allowed.Service, self, error == ForwarderError.None ? Decisions.Allowed : Decisions.UpstreamError, started);
    }

    /// <summary>The table's entry for the caller mutual TLS proved; false for an unknown caller or none (fail closed).</summary>
    internal static bool TryAuthorize(ProxySnapshot snapshot, [NotNullWhen(true)] string? callerId, [NotNullWhen(true)] out InboundCaller? allowed)
    {
        allowed = null;
        return callerId is not null && snapshot.Callers.TryGetValue(callerId, out allowed);
    }

    /// <summary>
    /// The app port a request goes to: the gateway's go to the ingress port (its caller entry says which); others
    /// choose by the Host's port, or the default port when it names none or one the service does not declare.
    /// </summary>
    internal static ServicePort? PortFor(ProxySnapshot snapshot, InboundCaller allowed, HostString host) =>
        allowed.Port is { } fixedPort ? snapshot.Ports.GetValueOrDefault(fixedPort)
        : host.Port is { } requested && snapshot.Ports.TryGetValue(requested, out var named) ? named
        : snapshot.DefaultPort;

    /// <summary>A caller's namespace/name from its SPIFFE id, for messages and labels; "unknown" without one.</summary>
    private static string CallerName(string? spiffeId) =>
        spiffeId is not null && SpiffeId.TryParse(spiffeId, out _, out var ns, out var sa) ? $"{ns}/{sa}" : "unknown";
}
