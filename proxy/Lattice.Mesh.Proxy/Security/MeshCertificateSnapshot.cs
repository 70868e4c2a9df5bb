using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// One validated set of mesh certificates: this workload's certificate with its key, its SPIFFE id, and the trust
/// bundle peers are checked against. Published whole and never changed; a rotation publishes a new snapshot.
/// Superseded snapshots are not disposed (a handshake may still be using them); the garbage collector frees them.
/// </summary>
public sealed class MeshCertificateSnapshot
{
    private readonly X509Certificate2Collection _trustBundle;
    private readonly TimeProvider _time;
    private SslStreamCertificateContext? _tlsContext;

    internal MeshCertificateSnapshot(X509Certificate2 certificate, string spiffeId, X509Certificate2Collection intermediates, X509Certificate2Collection trustBundle, TimeProvider time)
    {
        Certificate = certificate;
        SpiffeId = spiffeId;
        Intermediates = intermediates;
        _trustBundle = trustBundle;
        _time = time;
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        TrustDomain = RouteTable.SpiffeId.TryParse(spiffeId, out var trustDomain, out _, out _)
            ? trustDomain
            : throw new ArgumentException($"'{spiffeId}' is not a workload SPIFFE id.", nameof(spiffeId));
    }

    /// <summary>This workload's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>This workload's identity, read from <see cref="Certificate"/>.</summary>
    public string SpiffeId { get; }

    /// <summary>The trust domain of <see cref="SpiffeId"/>; peers must be in the same one.</summary>
    public string TrustDomain { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>The certificate's serial number, hexadecimal.</summary>
    public string SerialNumber => Certificate.SerialNumber;

    /// <summary>The CA certificates peers must chain to. A copy: the snapshot's own collection cannot be changed through it.</summary>
    public X509Certificate2Collection TrustBundle => new(_trustBundle);

    /// <summary>Intermediates from the certificate file after the workload's certificate (none with the Lattice.Mesh CA).</summary>
    internal X509Certificate2Collection Intermediates { get; }

    /// <summary>
    /// <see cref="Certificate"/> with <see cref="Intermediates"/> as TLS serves them, made once for this snapshot
    /// (offline: nothing is fetched) instead of once per handshake.
    /// </summary>
    internal SslStreamCertificateContext TlsContext =>
        LazyInitializer.EnsureInitialized(ref _tlsContext, () => SslStreamCertificateContext.Create(Certificate, Intermediates, offline: true));

    /// <summary>
    /// Checks a peer's certificate: it must chain to the trust bundle (and only to it), be valid now, not be a CA,
    /// and carry a SPIFFE id in this workload's trust domain.
    /// </summary>
    public bool ValidatePeer(X509Certificate2 peer, out string spiffeId, out string failure) =>
        ValidatePeer(peer, presentedChain: null, expectedSpiffeId: null, usage: null, out spiffeId, out failure);

    /// <summary>As <see cref="ValidatePeer(X509Certificate2, out string, out string)"/>, and the peer must be <paramref name="expectedSpiffeId"/> when one is given.</summary>
    public bool ValidatePeer(X509Certificate2 peer, string? expectedSpiffeId, out string spiffeId, out string failure) =>
        ValidatePeer(peer, presentedChain: null, expectedSpiffeId, usage: null, out spiffeId, out failure);

    /// <summary>
    /// The check itself. <paramref name="presentedChain"/>: certificates the peer sent with its own, which may complete
    /// the path but are never trusted as roots. <paramref name="usage"/>: the extended key usage the peer's role
    /// requires (clientAuth for a caller, serverAuth for a server), or null for any.
    /// </summary>
    internal bool ValidatePeer(X509Certificate2 peer, X509Certificate2Collection? presentedChain, string? expectedSpiffeId, Oid? usage, out string spiffeId, out string failure)
    {
        ArgumentNullException.ThrowIfNull(peer);
        spiffeId = string.Empty;
        if (!MeshChain.TryBuild(peer, _trustBundle, presentedChain, usage, _time.GetUtcNow(), out var chainFailure))
        {
            failure = $"certificate '{peer.Subject}' (serial {peer.SerialNumber}) is not trusted: {chainFailure}";
            return false;
        }

        if (peer.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            failure = $"certificate '{peer.Subject}' (serial {peer.SerialNumber}) is a CA certificate, not a workload's";
            return false;
        }

        if (!SpiffeCertificates.TryGetSpiffeId(peer, out var id))
        {
            failure = $"certificate '{peer.Subject}' (serial {peer.SerialNumber}) carries no SPIFFE id (exactly one spiffe:// URI SAN)";
            return false;
        }

        if (!RouteTable.SpiffeId.TryParse(id, out var trustDomain, out _, out _) || !string.Equals(trustDomain, TrustDomain, StringComparison.Ordinal))
        {
            failure = $"peer {id} is not in trust domain '{TrustDomain}'";
            return false;
        }

        if (expectedSpiffeId is not null && !string.Equals(id, expectedSpiffeId, StringComparison.Ordinal))
        {
            failure = $"peer is {id}, expected {expectedSpiffeId}";
            return false;
        }

        spiffeId = id;
        failure = string.Empty;
        return true;
    }

    /// <summary>Names the certificate, never its key.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{SpiffeId} (serial {SerialNumber}, expires {NotAfter:u}, {_trustBundle.Count} trusted CAs)");
}
