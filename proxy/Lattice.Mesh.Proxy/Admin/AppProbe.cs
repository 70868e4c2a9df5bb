namespace Lattice.Mesh.Proxy.Admin;

/// <summary>
/// One of the app's own probes, as the pod declared it before the injector pointed the kubelet at the proxy's
/// <c>/app-health/...</c>: the proxy performs it against the app on loopback, as the kubelet would have.
/// </summary>
internal abstract record AppProbe
{
    /// <summary>The app's port (numeric: the injector resolves named ports).</summary>
    public required int Port { get; init; }

    /// <summary>How long the app has to answer (the probe's timeoutSeconds; one second by default, as in Kubernetes).</summary>
    public required TimeSpan Timeout { get; init; }
}
