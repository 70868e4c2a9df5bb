namespace Lattice.Mesh.Proxy.Telemetry;

/// <summary>What the sidecar and the gateway log, and where.</summary>
internal static class ProxyLogging
{
    /// <summary>
    /// Single-line console output (or <paramref name="custom"/> providers), with the framework's per-request lines kept to
    /// warnings: at Information, ASP.NET Core's hosting diagnostics and YARP's forwarder write four lines for every request
    /// in each proxy, which cost more CPU than forwarding it and bury what matters. The one per-request line is the
    /// mesh's own access log (<c>--AccessLog</c>, off by default, as in Istio and Linkerd); what a request's outcome was is
    /// in the metrics.
    /// </summary>
    public static void Configure(ILoggingBuilder logging, Action<ILoggingBuilder>? custom)
    {
        logging.ClearProviders();
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Yarp", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        if (custom is null)
        {
            logging.AddSimpleConsole(console => console.SingleLine = true);
        }
        else
        {
            custom(logging);
        }
    }
}
