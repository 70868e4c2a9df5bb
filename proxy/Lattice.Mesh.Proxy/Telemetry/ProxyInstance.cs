namespace Lattice.Mesh.Proxy.Telemetry;

/// <summary>
/// Identifies one sidecar within its process. OpenTelemetry listens to meters by name across the whole
/// process; the sidecar's metrics pipeline keeps only instruments whose meter is scoped to this instance.
/// </summary>
internal sealed class ProxyInstance;
