using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Inbound;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// The inbound sidecar's caller authorization: NZBGet's sidecar receives a request from Sonarr, looks up the SPIFFE id
/// mutual TLS proved among the callers of NZBGet's compiled table and chooses the app port from the Host, exactly as
/// <see cref="InboundHandler"/> does (<see cref="InboundHandler.TryAuthorize"/>, then <see cref="InboundHandler.PortFor"/>).
/// The baseline is a plain ordinal <see cref="FrozenDictionary{TKey, TValue}"/> lookup of the same SPIFFE id.
/// </summary>
[Config(typeof(InProcessConfig))]
[IterationTime(250)] // Millions of calls an iteration: the whole policy set runs in about two minutes.
[MemoryDiagnoser]
public class CallerPolicyBenchmarks
{
    private ProxySnapshot _snapshot = null!;
    private FrozenDictionary<string, InboundCaller> _plain = null!;
    private string _caller = null!;
    private HostString _host;

    /// <summary>The Host as NZBGet's sidecar receives it: without a port (the default port) and with one.</summary>
    [Params("nzbget", "nzbget.media.svc.cluster.local:6789")]
    public string Host { get; set; } = "nzbget";

    [GlobalSetup]
    public void Setup()
    {
        using var seed = new PolicySeed();
        _snapshot = seed.Snapshot("nzbget");
        _plain = _snapshot.Table.Inbound.ToFrozenDictionary(c => c.SpiffeId, StringComparer.Ordinal);

        // A fresh string, as the certificate's SAN is: equal to the table's key, never the same instance.
        _caller = new string(SpiffeId.For(SpiffeId.DefaultTrustDomain, "media", "sonarr").AsSpan());
        _host = new HostString(Host);
        if (Authorize() != 6789 || Plain()?.Service != "media/sonarr")
        {
            throw new InvalidOperationException("media/sonarr is not an allowed caller of NZBGet on port 6789");
        }
    }

    [Benchmark(Baseline = true)]
    public InboundCaller? Plain() => _plain.GetValueOrDefault(_caller);

    [Benchmark]
    public int Authorize() =>
        InboundHandler.TryAuthorize(_snapshot, _caller, out var allowed) && InboundHandler.PortFor(_snapshot, allowed, _host) is { } port ? port.Port : 0;
}
