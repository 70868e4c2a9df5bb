using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lattice.Mesh.Controller.Push;

/// <summary>
/// The push channel's two endpoints (see <see cref="PushProtocol"/>). The caller is whoever the connection's
/// mutual TLS proved, as told by <c>identify</c>; a sidecar only ever receives its own service's table.
/// </summary>
public static class PushEndpoints
{
    /// <param name="endpoints">Where to map them.</param>
    /// <param name="distributor">The tables to serve.</param>
    /// <param name="identify">The SPIFFE id the connection's mutual TLS proved, or null.</param>
    /// <param name="serving">
    /// Whether this replica streams tables now. With several controller replicas only the leader does, so that it
    /// sees every sidecar's report; the others answer 503 with Retry-After and the sidecar reconnects (through the
    /// Service) until it reaches the leader. Null: always.
    /// </param>
    public static IEndpointRouteBuilder MapRouteTablePush(this IEndpointRouteBuilder endpoints, RouteTableDistributor distributor, Func<HttpContext, string?> identify, Func<bool>? serving = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        // Watches end when the controller starts stopping: a graceful shutdown must not wait on open streams,
        // and the sidecars reconnect (to this controller's successor) on their own.
        var stopping = endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        endpoints.MapGet(PushProtocol.WatchPath, context => serving?.Invoke() == false ? NotServing(context) : WatchAsync(context, distributor, identify, stopping));
        endpoints.MapPost(PushProtocol.AppliedPath, context =>
        {
            if (Identify(context, identify) is not { } service)
            {
                return Refuse(context);
            }

            var revision = context.Request.Headers[PushProtocol.RevisionHeader].ToString();
            var instance = context.Request.Headers[PushProtocol.InstanceHeader].ToString();
            if (!revision.StartsWith(RouteTableRevision.Prefix, StringComparison.Ordinal) || instance.Length is 0 or > 253)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return context.Response.WriteAsync($"send {PushProtocol.RevisionHeader}: sha256:... and {PushProtocol.InstanceHeader}: <pod name>\n", context.RequestAborted);
            }

            distributor.ReportApplied(service, instance, revision);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
        return endpoints;
    }

    private static async Task WatchAsync(HttpContext context, RouteTableDistributor distributor, Func<HttpContext, string?> identify, CancellationToken stopping)
    {
        if (Identify(context, identify) is not { } service)
        {
            await Refuse(context);
            return;
        }

        context.Response.ContentType = PushProtocol.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.StartAsync(context.RequestAborted);
        string? sent = null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var aborted = linked.Token;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                var (table, changed) = distributor.Watch(service);
                if (table is not null && table.Revision != sent)
                {
                    await context.Response.Body.WriteAsync(RouteTableSerializer.SerializeLine(table), aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    sent = table.Revision;
                    continue;
                }

                var heartbeat = Task.Delay(PushProtocol.HeartbeatInterval, aborted);
                if (await Task.WhenAny(changed, heartbeat) == heartbeat)
                {
                    await context.Response.Body.WriteAsync("\n"u8.ToArray(), aborted);
                    await context.Response.Body.FlushAsync(aborted);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The sidecar went away, or the controller is stopping: the sidecar reconnects.
        }
    }

    private static ServiceId? Identify(HttpContext context, Func<HttpContext, string?> identify) =>
        SpiffeId.TryParse(identify(context), out _, out var ns, out var name) ? new ServiceId(ns, name) : null;

    private static Task NotServing(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        return context.Response.WriteAsync("this controller replica is not the leader; reconnect (through the Service) to reach the leader\n", context.RequestAborted);
    }

    private static Task Refuse(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsync("route tables are served only to sidecars presenting a mesh certificate\n", context.RequestAborted);
    }
}
