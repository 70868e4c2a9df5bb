using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// The test cluster's credentials, written as PEM files into one folder: a CA, the API server's serving certificate
/// (127.0.0.1, localhost and the in-cluster names), the service-account signing key, and a static token file whose
/// only user, admin, is in system:masters (which RBAC lets do anything).
/// </summary>
internal sealed class ClusterPki
{
    private ClusterPki(string folder, string adminToken, X509Certificate2 ca)
    {
        Folder = folder;
        AdminToken = adminToken;
        CaCertificate = ca;
    }

    public string Folder { get; }

    public string AdminToken { get; }

    public X509Certificate2 CaCertificate { get; }

    public string CaCertificatePath => Path.Combine(Folder, "ca.crt");

    public string ServingCertificatePath => Path.Combine(Folder, "apiserver.crt");

    public string ServingKeyPath => Path.Combine(Folder, "apiserver.key");

    public string ServiceAccountKeyPath => Path.Combine(Folder, "sa.key");

    public string ServiceAccountPublicKeyPath => Path.Combine(Folder, "sa.pub");

    public string TokenFilePath => Path.Combine(Folder, "tokens.csv");

    public static ClusterPki Create(string folder)
    {
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;

        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=lattice-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddYears(10));

        using var servingKey = RSA.Create(2048);
        var servingRequest = new CertificateRequest("CN=kube-apiserver", servingKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        servingRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        servingRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        servingRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "serverAuth")], critical: false));
        servingRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.Parse("10.96.0.1"));
        foreach (var dns in (string[])["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"])
        {
            names.AddDnsName(dns);
        }

        servingRequest.CertificateExtensions.Add(names.Build());
        using var serving = servingRequest.Create(ca, now.AddHours(-1), now.AddYears(10), RandomNumberGenerator.GetBytes(16));

        using var serviceAccountKey = RSA.Create(2048);
        var adminToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        var pki = new ClusterPki(folder, adminToken, X509CertificateLoader.LoadCertificate(ca.RawData));
        WriteSecret(pki.CaCertificatePath, ca.ExportCertificatePem());
        WriteSecret(pki.ServingCertificatePath, serving.ExportCertificatePem());
        WriteSecret(pki.ServingKeyPath, servingKey.ExportPkcs8PrivateKeyPem());
        WriteSecret(pki.ServiceAccountKeyPath, serviceAccountKey.ExportRSAPrivateKeyPem());
        WriteSecret(pki.ServiceAccountPublicKeyPath, serviceAccountKey.ExportSubjectPublicKeyInfoPem());
        // token,user,uid,"group1,group2"
        WriteSecret(pki.TokenFilePath, $"{adminToken},admin,admin,\"system:masters\"\n");
        return pki;
    }

    private static void WriteSecret(string path, string content)
    {
        File.WriteAllText(path, content.EndsWith('\n') ? content : content + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
