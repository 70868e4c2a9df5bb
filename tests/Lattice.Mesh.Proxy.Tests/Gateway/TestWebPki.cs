using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// A public-style CA for a test, made with <see cref="CertificateRequest"/>: it issues server certificates for host
/// names (as cert-manager or Let's Encrypt would), valid, expired or not yet valid, and is the only root the test's
/// TLS clients trust.
/// </summary>
internal sealed class TestWebPki : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestWebPki()
    {
        var request = new CertificateRequest("CN=Lattice test ingress CA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        Root = request.CreateSelfSigned(now.AddDays(-7), now.AddYears(1));
    }

    /// <summary>The CA certificate, with its key.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>
    /// A server certificate issued by an intermediate CA of this root, as public CAs issue them: <c>tls.crt</c> holds
    /// the certificate, then the intermediate. Clients know only the root.
    /// </summary>
    public IssuedServerCertificate IssueViaIntermediate(string[] dnsNames)
    {
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Lattice test ingress intermediate", intermediateKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(Root, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(8));
        using var intermediate = signed.CopyWithPrivateKey(intermediateKey);
        var leaf = Issue(dnsNames, issuer: intermediate);
        return leaf with { CertificatePem = leaf.CertificatePem + intermediate.ExportCertificatePem() + "\n" };
    }

    /// <summary>A server certificate naming <paramref name="dnsNames"/>, valid from an hour ago for a day unless told otherwise.</summary>
    public IssuedServerCertificate Issue(string[] dnsNames, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, X509Certificate2? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer ?? Root, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(1), serial);
        return new IssuedServerCertificate(certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", certificate.SerialNumber);
    }

    /// <summary>
    /// A client handler that connects to 127.0.0.1:<paramref name="port"/> whatever the URL's host, so that SNI and the
    /// name check are the host's, and trusts only this PKI. Each presented certificate's serial goes to <paramref name="presented"/>.
    /// </summary>
    public SocketsHttpHandler LoopbackHandler(int port, Action<string>? presented = null, bool allowAutoRedirect = true)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = allowAutoRedirect,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        handler.SslOptions.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (certificate is not null)
            {
                presented?.Invoke(certificate.GetSerialNumberString());
            }

            return Accepts(certificate, chain, errors);
        };
        return handler;
    }

    /// <summary>
    /// Whether a TLS client should accept <paramref name="presented"/> for the host it asked for: it must chain to
    /// this CA only (through the intermediates the server sent), and the platform must have found the host among its names (no <see cref="System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch"/>).
    /// </summary>
    public bool Accepts(X509Certificate? presented, X509Chain? platformChain, System.Net.Security.SslPolicyErrors errors)
    {
        if (presented is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != System.Net.Security.SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (platformChain is not null)
        {
            // What the server sent after its certificate: the only intermediates there are.
            chain.ChainPolicy.ExtraStore.AddRange(platformChain.ChainPolicy.ExtraStore);
        }

        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Root.Dispose();
        _key.Dispose();
    }
}
