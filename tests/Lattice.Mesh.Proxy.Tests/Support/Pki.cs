using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>A mesh CA for a test: it writes each sidecar's certificate files and makes mTLS clients with any identity.</summary>
internal sealed class Pki
{
    private readonly MeshCertificateAuthority _authority;

    private Pki(MeshCertificateAuthority authority) => _authority = authority;

    public static Pki Create() => new(MeshCertificateAuthority.Create());

    public X509Certificate2 Root => _authority.GetRootCertificate();

    /// <summary>The CA itself, for a test controller that issues certificates.</summary>
    public MeshCertificateAuthority Authority => _authority;

    public (string Certificate, string Key, string TrustBundle) WriteWorkloadFiles(string folder, string spiffeId, TimeSpan? validity = null)
    {
        Directory.CreateDirectory(folder);
        using var issued = _authority.IssueWorkload(spiffeId, validity);
        var files = (Path.Combine(folder, WorkloadCertificate.CertificateFile), Path.Combine(folder, WorkloadCertificate.KeyFile), Path.Combine(folder, WorkloadCertificate.TrustBundleFile));
        issued.WriteFiles(folder);
        return files;
    }

    /// <summary>
    /// A client that speaks mutual TLS straight to a sidecar's inbound listener, presenting a certificate for
    /// <paramref name="callerSpiffeId"/> (none when null) and, when <paramref name="expectedServer"/> is given,
    /// accepting only a server certificate from this CA with that identity.
    /// </summary>
    public HttpClient InboundClient(string? callerSpiffeId, string? expectedServer, Action<string>? serverSerial = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        if (callerSpiffeId is not null)
        {
            var issued = _authority.IssueWorkload(callerSpiffeId);
            handler.SslOptions.ClientCertificates = [issued.Certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => issued.Certificate;
        }

        var root = Root;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is not null)
            {
                serverSerial?.Invoke(certificate.GetSerialNumberString());
            }

            if (expectedServer is null)
            {
                return true;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var server = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            return chain.Build(server) && SpiffeCertificates.TryGetSpiffeId(server, out var id) && id == expectedServer;
        };
        return new HttpClient(handler);
    }
}
