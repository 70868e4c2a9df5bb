namespace Lattice.Mesh.Proxy.Admin;

/// <summary>What one app probe found: healthy or not, and what happened, for the kubelet's event and a person reading it.</summary>
internal sealed record AppProbeResult(bool Healthy, string Detail);
