namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// Where the controller is and how a proxy (sidecar or gateway) proves who it is to it: the controller pushes the
/// proxy its route table there and, given a bootstrap credential, issues its workload certificate.
/// </summary>
public sealed record ControllerConnection
{
    /// <summary>The controller's https address, such as <c>https://lattice-controller.lattice-system.svc:15012</c>.</summary>
    public required Uri Uri { get; init; }

    /// <summary>
    /// A file holding the bootstrap credential (in Kubernetes, a projected service account token). With it the proxy
    /// asks the controller for its certificate at start and renews it at half-life; without it the certificate
    /// files come from outside.
    /// </summary>
    public string? BootstrapTokenPath { get; init; }

    /// <summary>This replica's name in applied-revision reports: the pod name in Kubernetes.</summary>
    public string Instance { get; init; } = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;

    /// <summary>The longest wait between attempts to reach the controller (backoff doubles up to it, with jitter).</summary>
    public TimeSpan BackoffLimit { get; init; } = TimeSpan.FromSeconds(30);
}
