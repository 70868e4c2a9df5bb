using System.Collections.Immutable;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Admin;

/// <summary>An httpGet probe: healthy when the app answers 2xx or 3xx (redirects are not followed, as the kubelet counts them).</summary>
internal sealed record HttpGetProbe : AppProbe
{
    /// <summary>The path and query, starting with '/'.</summary>
    public required string Path { get; init; }

    /// <summary>HTTPS, whose certificate is not checked (the kubelet does not check it either).</summary>
    public bool Https { get; init; }

    /// <summary>The probe's httpHeaders, in order.</summary>
    public ImmutableArray<KeyValuePair<string, string>> Headers { get; init; } = [];

    public bool Equals(HttpGetProbe? other) =>
        other is not null && base.Equals(other) && Path == other.Path && Https == other.Https && Sequence.Equal(Headers, other.Headers);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Path, Https, Sequence.Hash(Headers));
}
