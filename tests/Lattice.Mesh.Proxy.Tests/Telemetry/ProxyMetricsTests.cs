using System.Diagnostics.Metrics;
using Lattice.Mesh.Proxy.Telemetry;

namespace Lattice.Mesh.Proxy.Tests.Telemetry;

/// <summary>Recording a request's metrics is on every request's path: it must record the right tags and allocate nothing.</summary>
public sealed class ProxyMetricsTests
{
    [Fact]
    public void RecordingARequest_CarriesItsTags_AndAllocatesNothing()
    {
        var instance = new ProxyInstance();
        using var metrics = new ProxyMetrics(instance);
        long requests = 0;
        object? code = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, instance))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            requests += value;
            foreach (var tag in tags)
            {
                if (tag.Key == "code")
                {
                    code = tag.Value;
                }
            }
        });
        listener.Start();
        metrics.Request("inbound", "media/sonarr", "media/nzbget", 503, "allowed", 0.001); // first call: everything initialised

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            metrics.Request("inbound", "media/sonarr", "media/nzbget", 200, "allowed", 0.001);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1001, requests);
        Assert.Equal(200, code);
        Assert.Equal(0, allocated);
    }
}
