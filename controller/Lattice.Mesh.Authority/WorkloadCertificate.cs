using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Authority;

/// <summary>
/// A workload certificate as issued: what goes into the workload's Secret (<see cref="CertificateChainPem"/> as
/// <c>tls.crt</c>, <see cref="ExportPrivateKeyPem"/> as <c>tls.key</c>, <see cref="TrustBundlePem"/> as
/// <c>ca.crt</c>) and when to replace it (<see cref="RenewAt"/>). The private key is a method, not a property, so
/// that nothing which walks properties (a serialiser, a structured logger, a debugger display) copies it.
/// </summary>
public sealed class WorkloadCertificate : IDisposable
{
    private readonly string _privateKeyPem;

    internal WorkloadCertificate(X509Certificate2 certificate, string spiffeId, string trustBundlePem, string privateKeyPem)
    {
        Certificate = certificate;
        SpiffeId = spiffeId;
        TrustBundlePem = trustBundlePem;
        _privateKeyPem = privateKeyPem;
        CertificateChainPem = certificate.ExportCertificatePem() + "\n";
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        RenewAt = NotBefore + ((NotAfter - NotBefore) / 2);
    }

    /// <summary>The certificate with its private key, ready for TLS.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The identity the certificate carries: its only URI SAN.</summary>
    public string SpiffeId { get; }

    /// <summary>
    /// The chain a workload presents, as PEM: its certificate, then any intermediates (none today: the root signs
    /// workloads directly). The root is not included; peers have it in their trust bundle.
    /// </summary>
    public string CertificateChainPem { get; }

    /// <summary>The CA certificates a workload trusts, as PEM.</summary>
    public string TrustBundlePem { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>Half-way through the certificate's validity, when a new one should be issued (as Istio and SPIRE do).</summary>
    public DateTimeOffset RenewAt { get; }

    /// <summary>The serial number, hexadecimal.</summary>
    public string SerialNumber => Certificate.SerialNumber;

    /// <summary>The private key as PKCS#8 PEM. A secret: write it only where the workload alone can read it; never log it.</summary>
    public string ExportPrivateKeyPem() => _privateKeyPem;

    /// <summary>The file names a workload reads: the same as a Kubernetes TLS Secret's keys, plus the bundle.</summary>
    public const string CertificateFile = "tls.crt";

    /// <inheritdoc cref="CertificateFile"/>
    public const string KeyFile = "tls.key";

    /// <inheritdoc cref="CertificateFile"/>
    public const string TrustBundleFile = "ca.crt";

    /// <summary>
    /// Writes <c>tls.key</c> (owner-only), <c>ca.crt</c> and <c>tls.crt</c> into <paramref name="folder"/>, each
    /// replaced whole (write, then rename) and the certificate last: a watcher never reads a half-written file, and
    /// never pairs the new certificate with the old key for longer than one reload.
    /// </summary>
    public void WriteFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Replace(Path.Combine(folder, KeyFile), _privateKeyPem, secret: true);
        AtomicFile.Replace(Path.Combine(folder, TrustBundleFile), TrustBundlePem);
        AtomicFile.Replace(Path.Combine(folder, CertificateFile), CertificateChainPem);
    }

    public void Dispose() => Certificate.Dispose();

    /// <summary>Names the certificate, never its key.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{SpiffeId} (serial {SerialNumber}, valid {NotBefore:u} to {NotAfter:u}, renew at {RenewAt:u})");
}
