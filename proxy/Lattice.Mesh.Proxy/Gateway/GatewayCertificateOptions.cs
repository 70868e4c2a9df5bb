namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// Where the gateway finds its public TLS certificates: a folder with one subfolder per Kubernetes TLS Secret (named
/// after the Secret, as when each Secret is mounted at <c>&lt;folder&gt;/&lt;secret name&gt;</c>), each holding
/// <c>tls.crt</c> (the certificate chain, PEM) and <c>tls.key</c> (its private key, PEM).
/// </summary>
public sealed record GatewayCertificateOptions
{
    /// <summary>The folder holding one subfolder per TLS Secret.</summary>
    public required string Folder { get; init; }

    /// <summary>How often the Secrets are re-read even without a watcher event (watchers miss events on some filesystems).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait after a watcher event before reading, so that a burst of writes becomes one reload.</summary>
    public TimeSpan ReloadDelay { get; init; } = TimeSpan.FromMilliseconds(100);
}
