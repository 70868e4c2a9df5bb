// Admin: health, readiness and the table in force, on a loopback-only listener. Metrics are served on the
// same listener by the OpenTelemetry Prometheus exporter; the app's own probes, rewritten by the injector, at
// /app-health/<container>/<livez|readyz|startupz>.
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Pipeline;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Admin;

internal sealed class AdminEndpoints(RouteTableSource routes, MeshCertificateStore certificates, TimeProvider time, ProxyOptions options, ILogger<AdminEndpoints> logger) : IDisposable
{
    // Read once, at start: a refused set is logged now, and every app probe then fails closed with the reason.
    private readonly AppProbeSet _appProbes = LoadAppProbes(options.AppProbes, logger);
    private readonly AppProber _prober = new(options.AppHost, options.AppPortOverrides);

    public void Dispose() => _prober.Dispose();

    public Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/app-health", StringComparison.Ordinal))
        {
            return AppHealthAsync(context);
        }

        switch (context.Request.Path.Value)
        {
            case "/healthz":
                return Text(context, StatusCodes.Status200OK, "ok\n");
            case "/readyz":
                return Ready(context);
            case "/config":
                return Config(context);
            default:
                return ProxyResponses.WriteAsync(context, StatusCodes.Status404NotFound, "not_found", $"no admin endpoint {context.Request.Path}", "use /healthz, /readyz, /config, /metrics or /app-health/<container>/<livez|readyz|startupz>");
        }
    }

    private async Task AppHealthAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!;
        if (_appProbes.Error is { } error)
        {
            await ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "app_probes_invalid", error, $"fix {AppProbeSet.Variable} in the pod spec (the injector writes it when it rewrites the app's probes), then restart the pod");
            return;
        }

        if (!_appProbes.Probes.TryGetValue(path, out var probe))
        {
            var known = _appProbes.Configured ? $"the known ones are {KnownProbes()}" : $"{AppProbeSet.Variable} is not set, so no app probe is served here";
            await ProxyResponses.WriteAsync(context, StatusCodes.Status404NotFound, "not_found", $"no app probe {path}: {known}", "point the kubelet at a path the injector wrote into " + AppProbeSet.Variable);
            return;
        }

        var result = await _prober.ProbeAsync(probe, context.RequestAborted);
        if (result.Healthy)
        {
            await Text(context, StatusCodes.Status200OK, $"ok: {result.Detail}\n");
            return;
        }

        var container = path.Split('/')[2];
        await ProxyResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "app_unhealthy", result.Detail, $"the app's own probe failed; see the app's log: kubectl logs <pod> -c {container}");
    }

    private string KnownProbes() => Known(_appProbes);

    private static string Known(AppProbeSet probes) => probes.Probes.Count == 0 ? "(none)" : string.Join(", ", probes.Probes.Keys.Order(StringComparer.Ordinal));

    private static AppProbeSet LoadAppProbes(string? json, ILogger logger)
    {
        var probes = AppProbeSet.Parse(json);
        if (probes.Error is { } error)
        {
            AdminLog.AppProbesInvalid(logger, error);
        }
        else if (probes.Configured)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var known = Known(probes);
                AdminLog.AppProbesLoaded(logger, known);
            }
        }

        return probes;
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
