using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>One Secret's certificate in force: validated, with its key, and the DNS names (lower case) it serves.</summary>
internal sealed class GatewayCertificate(string secret, X509Certificate2 certificate, SslStreamCertificateContext context, IReadOnlyList<string> dnsNames, byte[] fingerprint)
{
    /// <summary>The Secret (subfolder) it was read from.</summary>
    public string Secret { get; } = secret;

    /// <summary>The leaf certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>The certificate with the intermediates from <c>tls.crt</c>, which a handshake sends after it.</summary>
    public SslStreamCertificateContext Context { get; } = context;

    /// <summary>The DNS names of its subject alternative names, lower case, wildcards (<c>*.home.local</c>) included.</summary>
    public IReadOnlyList<string> DnsNames { get; } = dnsNames;

    /// <summary>SHA-256 over the two files it was read from: an unchanged pair is not parsed again.</summary>
    public byte[] Fingerprint { get; } = fingerprint;

    public DateTimeOffset NotAfter => new(Certificate.NotAfter.ToUniversalTime());

    public override string ToString() => $"serial {Certificate.SerialNumber} from Secret '{Secret}' (expires {NotAfter:u})";
}
