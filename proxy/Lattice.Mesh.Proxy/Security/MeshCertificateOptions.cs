namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// Where a sidecar finds its mesh certificates: three PEM files, usually the <c>tls.crt</c>, <c>tls.key</c> and
/// <c>ca.crt</c> of a mounted Kubernetes Secret, re-read whenever they change.
/// </summary>
public sealed record MeshCertificateOptions
{
    /// <summary>The workload certificate chain (PEM): the workload's certificate first, then any intermediates.</summary>
    public required string CertificatePath { get; init; }

    /// <summary>The workload's private key (PEM, PKCS#8 or SEC1, unencrypted).</summary>
    public required string KeyPath { get; init; }

    /// <summary>The mesh trust bundle (PEM CA certificates): the only roots peers are checked against.</summary>
    public required string TrustBundlePath { get; init; }

    /// <summary>How often the files are re-read even without a watcher event (watchers miss events on some filesystems).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait after a watcher event before reading, so that a burst of writes becomes one reload.</summary>
    public TimeSpan ReloadDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The three files in <paramref name="folder"/> under the names of a Kubernetes TLS Secret: <c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>.</summary>
    public static MeshCertificateOptions InFolder(string folder) => new()
    {
        CertificatePath = Path.Combine(folder, "tls.crt"),
        KeyPath = Path.Combine(folder, "tls.key"),
        TrustBundlePath = Path.Combine(folder, "ca.crt"),
    };
}
