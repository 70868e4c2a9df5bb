// Admin: health, readiness and the table in force, on a loopback-only listener. Metrics are served on the
// same listener by the OpenTelemetry Prometheus exporter.
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Pipeline;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Admin;

internal sealed class AdminEndpoints(RouteTableSource routes, MeshCertificateStore certificates, TimeProvider time)
{
    public Task HandleAsync(HttpContext context)
    {
        switch (context.Request.Path.Value)
        {
            case "/healthz":
                return Text(context, StatusCodes.Status200OK, "ok\n");
            case "/readyz":
                return Ready(context);
            case "/config":
                return Config(context);
            default:
                return ProxyResponses.WriteAsync(context, StatusCodes.Status404NotFound, "not_found", $"no admin endpoint {context.Request.Path}", "use /healthz, /readyz, /config or /metrics");
        }
    }

    private Task Ready(HttpContext context)
    {
        // Ready only with a valid table and a valid certificate: before that the sidecar would refuse everything.
        var missing = new List<string>(2);
        if (!routes.IsReady)
        {
            missing.Add(routes.LastError is { } error ? $"no valid route table ({error})" : "no route table yet");
        }

        if (certificates.Current is not { } certificate)
        {
            missing.Add("no valid workload certificate yet");
        }
        else if (certificate.NotAfter <= time.GetUtcNow())
        {
            missing.Add($"the workload certificate expired at {certificate.NotAfter:u} and no renewal has arrived");
        }

        return missing.Count == 0
            ? Text(context, StatusCodes.Status200OK, $"ready: route table {routes.Current!.Revision}\n")
            : Text(context, StatusCodes.Status503ServiceUnavailable, $"not ready: {string.Join("; ", missing)}\n");
    }

    private Task Config(HttpContext context)
    {
        if (routes.Current is not { } snapshot)
        {
            return ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", routes.LastError ?? "no route table yet", "wait for the controller to push this service's table");
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers["x-lattice-revision"] = snapshot.Revision;
        if (routes.LastError is { } rejected)
        {
            context.Response.Headers["x-lattice-last-rejected"] = rejected.Length > 512 ? rejected[..512] : rejected;
        }

        return context.Response.Body.WriteAsync(RouteTableSerializer.SerializeToUtf8Bytes(snapshot.Table), context.RequestAborted).AsTask();
    }

    private static Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
