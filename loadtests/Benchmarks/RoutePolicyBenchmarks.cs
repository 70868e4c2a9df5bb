using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Outbound;
using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// The outbound sidecar's route lookup: Sonarr's app calls NZBGet and its sidecar finds the destination from the
/// request's Host, exactly as <see cref="OutboundHandler"/> does (<see cref="OutboundHandler.HostOf"/>, then
/// <see cref="OutboundHandler.TryRoute"/> on the snapshot built from Sonarr's compiled table). The baseline is a
/// plain ordinal <see cref="FrozenDictionary{TKey, TValue}"/> lookup among the same host names, of the Host already in
/// lower case (the least a lookup could cost, with nothing read from the request and nothing normalised).
/// </summary>
[Config(typeof(InProcessConfig))]
[IterationTime(250)] // Millions of calls an iteration: the whole policy set runs in about two minutes.
[MemoryDiagnoser]
public class RoutePolicyBenchmarks
{
    private ProxySnapshot _snapshot = null!;
    private FrozenDictionary<string, string> _plain = null!;
    private HttpRequest _request = null!;
    private string _plainKey = null!;

    /// <summary>Host headers an app sends: the short name, a qualified name with the port, and a mixed-case one.</summary>
    [Params("nzbget", "nzbget.media.svc.cluster.local:6789", "NZBGet.Media:6789")]
    public string Host { get; set; } = "nzbget";

    [GlobalSetup]
    public void Setup()
    {
        using var seed = new PolicySeed();
        _snapshot = seed.Snapshot("sonarr");
        _plain = _snapshot.Peers.ToFrozenDictionary(p => p.Key, p => p.Value.Destination.Service, StringComparer.Ordinal);
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = Host;
        _request = context.Request;
        _plainKey = Host.ToLowerInvariant();
        if (Route() != "media/nzbget" || Lookup() != "media/nzbget" || Plain() != "media/nzbget")
        {
            throw new InvalidOperationException($"Host {Host} does not route to media/nzbget in Sonarr's table");
        }
    }

    [Benchmark(Baseline = true)]
    public string? Plain() => _plain.GetValueOrDefault(_plainKey);

    /// <summary>The lookup alone, of the Host string as Kestrel hands it over.</summary>
    [Benchmark]
    public string? Lookup() => OutboundHandler.TryRoute(_snapshot, Host, out var peer) ? peer.Destination.Service : null;

    /// <summary>The Host read from the request (here a <see cref="DefaultHttpContext"/>'s header dictionary, slower than Kestrel's field), then the lookup.</summary>
    [Benchmark]
    public string? Route() => OutboundHandler.TryRoute(_snapshot, OutboundHandler.HostOf(_request), out var peer) ? peer.Destination.Service : null;
}
