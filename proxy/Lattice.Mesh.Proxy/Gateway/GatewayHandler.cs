// The gateway's requests: plain HTTP is redirected to HTTPS; HTTPS is routed by Host to the service's sidecar over
// mesh mutual TLS, as the gateway's identity, streaming both ways.
using System.Globalization;
using System.Threading.RateLimiting;
using Lattice.Mesh.Proxy.Inbound;
using Lattice.Mesh.Proxy.Pipeline;
using Microsoft.AspNetCore.Http.Extensions;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Gateway;

internal sealed class GatewayHandler(Func<GatewayRoutes?> routes, IHttpForwarder forwarder, HttpTransformer transformer, ForwarderRequestConfig requestConfig, CallerRateLimiters limiters, Func<int> publicHttpsPort)
{
    private const string AddHost = "declare the host in ingress.hosts of the LatticeService that serves it (spec.ingress: {hosts: [<host>], tls: {mode: auto}})";

    public Task HandleAsync(HttpContext context)
    {
        var current = routes();
        if (current is null)
        {
            return ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", "the gateway has no route table yet, so it serves no host", "wait for the controller to push the gateway's table");
        }

        var requested = context.Request.Host.Host;
        if (string.IsNullOrEmpty(requested) || !current.ByHost.TryGetValue(GatewayRoutes.Normalize(requested), out var destination))
        {
            var reason = string.IsNullOrEmpty(requested) ? "the request names no host (Host header)" : $"no route for host {requested}";
            return ProxyResponses.WriteAsync(context, StatusCodes.Status404NotFound, "no_route", reason, AddHost);
        }

        return context.Request.IsHttps ? ForwardAsync(context, destination) : RedirectAsync(context, destination);
    }

    /// <summary>308 to the same host, path and query over HTTPS: the method and body are kept by the client.</summary>
    private Task RedirectAsync(HttpContext context, GatewayDestination destination)
    {
        var port = publicHttpsPort();
        var host = port == 443 ? new HostString(destination.Host.Host) : new HostString(destination.Host.Host, port);
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = UriHelper.BuildAbsolute("https", host, context.Request.PathBase, context.Request.Path, context.Request.QueryString);
        return Task.CompletedTask;
    }

    private async Task ForwardAsync(HttpContext context, GatewayDestination destination)
    {
        var host = destination.Host;
        if (host.RateLimit is { } limit)
        {
            var limiter = limiters.For(host.Host, limit);
            using var lease = limiter.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(limit.IntervalSeconds);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                context.Response.Headers.RetryAfter = seconds;
                await ProxyResponses.WriteAsync(
                    context,
                    StatusCodes.Status429TooManyRequests,
                    "rate_limited",
                    $"{host.Host} is over its limit of {limit.RequestsPerInterval} requests per {limit.IntervalSeconds}s ({limit.PerReplicaRequestsPerInterval} per gateway replica)",
                    $"retry after {seconds}s, or raise ingress.rateLimit of {host.Service}");
                return;
            }
        }

        await forwarder.SendAsync(context, destination.Prefix, destination.Client, requestConfig, transformer);
    }
}
