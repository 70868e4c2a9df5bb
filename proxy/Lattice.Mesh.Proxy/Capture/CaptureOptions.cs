using System.Collections.Immutable;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Capture;

/// <summary>
/// What the pod's traffic capture redirects: the input of <see cref="CaptureRules.Build(CaptureOptions)"/>. Port
/// lists are sorted and free of duplicates (the command line normalises them), so equal options give equal rules.
/// </summary>
public sealed record CaptureOptions
{
    /// <summary>The user id the proxy runs as: its own connections are never redirected (that would loop them).</summary>
    public required int ProxyUid { get; init; }

    /// <summary>Where the app's outbound TCP is redirected: the proxy's outbound listener.</summary>
    public int OutboundPort { get; init; } = 15001;

    /// <summary>Where inbound TCP to the app's ports is redirected: the proxy's inbound (mutual TLS) listener.</summary>
    public int InboundPort { get; init; } = 15006;

    /// <summary>Redirect inbound TCP to every port except <see cref="ExcludeInboundPorts"/> (<c>*</c>), rather than to <see cref="InboundPorts"/> only.</summary>
    public bool AllInboundPorts { get; init; }

    /// <summary>The app ports whose inbound TCP is redirected, when not <see cref="AllInboundPorts"/>. Empty: no inbound capture.</summary>
    public ImmutableArray<int> InboundPorts { get; init; } = [];

    /// <summary>Inbound ports never redirected (the kubelet's probes of the proxy, for example). Wins over <see cref="InboundPorts"/>.</summary>
    public ImmutableArray<int> ExcludeInboundPorts { get; init; } = [];

    /// <summary>Destination ports of the app's outbound TCP that go straight out (databases and other non-HTTP peers).</summary>
    public ImmutableArray<int> ExcludeOutboundPorts { get; init; } = [];

    public bool Equals(CaptureOptions? other) =>
        other is not null
        && ProxyUid == other.ProxyUid
        && OutboundPort == other.OutboundPort
        && InboundPort == other.InboundPort
        && AllInboundPorts == other.AllInboundPorts
        && Sequence.Equal(InboundPorts, other.InboundPorts)
        && Sequence.Equal(ExcludeInboundPorts, other.ExcludeInboundPorts)
        && Sequence.Equal(ExcludeOutboundPorts, other.ExcludeOutboundPorts);

    public override int GetHashCode() =>
        HashCode.Combine(ProxyUid, OutboundPort, InboundPort, AllInboundPorts, Sequence.Hash(InboundPorts), Sequence.Hash(ExcludeInboundPorts), Sequence.Hash(ExcludeOutboundPorts));
}
