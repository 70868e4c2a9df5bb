using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>Certificates as a user would bring them for <c>tls.mode: manual</c>: self-signed, for the given hosts.</summary>
internal static class TestCertificates
{
    /// <summary>A self-signed P-256 certificate for <paramref name="hosts"/>, valid for a day, and its key, as PEM.</summary>
    public static (string CertificatePem, string KeyPem) SelfSigned(params string[] hosts)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hosts[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>The DNS names of a PEM certificate, sorted.</summary>
    public static IReadOnlyList<string> DnsNames(string certificatePem)
    {
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        return [.. certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(san => san.EnumerateDnsNames()).Order(StringComparer.Ordinal)];
    }

    /// <summary>Whether the PEM certificate chains to the PEM root alone.</summary>
    public static bool ChainsTo(string certificatePem, string rootPem)
    {
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        using var root = X509Certificate2.CreateFromPem(rootPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
