using System.Diagnostics;
using Lattice.Mesh.Proxy.Configuration;

namespace Lattice.Mesh.Proxy.Telemetry;

/// <summary>Counts every request once, with its decision, and writes the access log line when it is on.</summary>
internal sealed class RequestRecorder(ProxyMetrics metrics, ProxyOptions options, ILogger<RequestRecorder> logger)
{
    public void Record(HttpContext context, string direction, string source, string destination, string decision, long startedTimestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
        var code = context.Response.StatusCode;
        metrics.Request(direction, source, destination, code, decision, elapsed.TotalSeconds);
        Activity.Current?.SetTag("lattice.decision", decision).SetTag("lattice.source", source).SetTag("lattice.destination", destination);
        if (options.AccessLog)
        {
            ProxyLog.Access(logger, direction, context.Request.Method, context.Request.Path.Value ?? "/", source, destination, code, decision, elapsed.TotalMilliseconds);
        }
    }
}
