using System.Net;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Proxy.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Lattice.Mesh.Proxy.Tests.Support;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

public sealed class ReloadTests : IAsyncLifetime
{
    // The traffic below is about reloads, not NZBGet's 1000 a minute, which it would otherwise exceed.
    private readonly string _manifests = Manifests.MediaServerWith(("nzbget.yaml", "requestsPerInterval: 1000,", "requestsPerInterval: 10000000,"));
    private MediaMesh _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MediaMesh.StartAsync(manifests: _manifests);

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        Directory.Delete(_manifests, recursive: true);
    }

    [Fact]
    public async Task FiftyReloadsUnderTraffic_FailNoRequestThatBothTablesAllow()
    {
        var sonarr = _mesh.Sidecars["sonarr"];
        var original = _mesh.Compilation.RouteTables[new ServiceId("media", "sonarr")];
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var sent = 0;
        var traffic = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");
                Interlocked.Increment(ref sent);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    lock (failures)
                    {
                        failures.Add($"{(int)response.StatusCode} {string.Join(",", response.Headers.Select(h => h.Key))}");
                    }
                }
            }
        })).ToList();

        for (var i = 1; i <= 50; i++)
        {
            // Every change keeps sonarr -> nzbget allowed; odd ones change nzbget's own policy, so its client is replaced.
            var nzbget = original.Outbound.Single(d => d.Service == "media/nzbget");
            var changed = nzbget with { Timeout = new TimeoutPolicy { Request = TimeSpan.FromSeconds(30) + TimeSpan.FromMilliseconds(i % 2 == 1 ? i : 0) } };
            var jellyfin = original.Outbound.Single(d => d.Service == "media/jellyfin");
            var table = RouteTableRevision.Stamp(original with
            {
                Outbound = [jellyfin with { Timeout = new TimeoutPolicy { Request = TimeSpan.FromSeconds(60 + i) } }, changed],
            });
            await sonarr.ApplyAsync(table);
        }

        await stop.CancelAsync();
        await Task.WhenAll(traffic);
        Assert.True(sent > 50, $"only {sent} requests were sent during the reloads");
        Assert.Empty(failures);
    }

    [Fact]
    public async Task MalformedTable_IsRefused_AndTheLastGoodOneKeepsServing()
    {
        var sonarr = _mesh.Sidecars["sonarr"];
        var before = await sonarr.Admin.GetAsync("/config", Ct);
        var revision = before.Headers.GetValues("x-lattice-revision").Single();

        await sonarr.WriteRouteTableAsync("{\"apiVersion\": \"lattice.dev/routetable/v1alpha1\", \"revision\": "u8.ToArray());
        await Eventually.Async(async () => Metric(await sonarr.Admin.GetStringAsync("/metrics", Ct), "lattice_route_table_rejected_total") == 1, "the refusal to be counted");

        // Polls re-read the same broken file: it is refused (logged, counted) once, not once per read.
        var routes = sonarr.Server.Services.GetRequiredService<RouteTableSource>();
        var broken = await File.ReadAllBytesAsync(sonarr.RouteTablePath, Ct);
        Assert.False(routes.Offer(broken, "test").IsValid);
        Assert.False(routes.Offer(broken, "test").IsValid);
        Assert.Equal(1, routes.Refusals);

        using var config = await sonarr.Admin.GetAsync("/config", Ct);
        Assert.Equal(revision, config.Headers.GetValues("x-lattice-revision").Single());
        Assert.True(config.Headers.Contains("x-lattice-last-rejected"));
        using var ready = await sonarr.Admin.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var call = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
    }

    [Fact]
    public async Task TableEditedAfterItWasProduced_IsRefused()
    {
        var sonarr = _mesh.Sidecars["sonarr"];
        var table = _mesh.Compilation.RouteTables[new ServiceId("media", "sonarr")];

        // Someone adds a destination by hand, keeping the old revision: the hash no longer matches.
        var tampered = table with { Outbound = table.Outbound.Add(table.Outbound[0] with { Service = "media/evil", SpiffeId = "spiffe://lattice.local/ns/media/sa/evil", Hosts = ["evil"] }) };
        await sonarr.WriteRouteTableAsync(RouteTableSerializer.SerializeToUtf8Bytes(tampered));
        await Eventually.Async(async () => Metric(await sonarr.Admin.GetStringAsync("/metrics", Ct), "lattice_route_table_rejected_total") == 1, "the refusal to be counted");

        using var response = await _mesh.CallAsync("sonarr", "http://evil/");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>The value of an unlabelled-by-us series in Prometheus text (OpenTelemetry adds otel_scope_name).</summary>
    private static double? Metric(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture))
            .Cast<double?>()
            .SingleOrDefault();
}
