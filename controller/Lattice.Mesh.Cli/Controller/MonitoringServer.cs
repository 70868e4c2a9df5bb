using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Lattice.Mesh.Cli.Controller;

/// <summary>
/// A control-plane component's plain-HTTP monitoring port: Prometheus <c>/metrics</c> (OpenTelemetry, the named
/// meters only), <c>/healthz</c>, and <c>/readyz</c> as the component says. Kept apart from the mutual-TLS port so
/// that the kubelet and Prometheus need no mesh certificate.
/// </summary>
internal sealed class MonitoringServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MonitoringServer(WebApplication app) => _app = app;

    public Uri Uri => new(_app.Urls.Single());

    public static async Task<MonitoringServer> StartAsync(IPEndPoint endpoint, string[] meters, Func<(bool Ready, string Why)> ready)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint);
        });
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(meters).AddPrometheusExporter());
        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint();
        app.MapGet("/healthz", () => "ok\n");
        app.MapGet("/readyz", () =>
        {
            var (isReady, why) = ready();
            return isReady ? Results.Text($"ready: {why}\n") : Results.Text($"not ready: {why}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        await app.StartAsync();
        return new MonitoringServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
