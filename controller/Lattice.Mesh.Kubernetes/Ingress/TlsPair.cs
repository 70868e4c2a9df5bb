using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Lattice.Mesh.Kubernetes.Ingress;

/// <summary>What a TLS Secret's <c>tls.crt</c> and <c>tls.key</c> hold, once read and checked to be a certificate and its own key.</summary>
internal sealed class TlsPair : IDisposable
{
    public const string CertificateKey = "tls.crt";

    public const string PrivateKeyKey = "tls.key";

    public const string CaKey = "ca.crt";

    private TlsPair(X509Certificate2 certificate)
    {
        Certificate = certificate;
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        DnsNames = [.. certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(san => san.EnumerateDnsNames()).Order(StringComparer.Ordinal)];
    }

    /// <summary>The leaf certificate (the first of the chain) with its key.</summary>
    public X509Certificate2 Certificate { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>The certificate's DNS names, sorted.</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>The pair in <paramref name="data"/>, or null with what is wrong with it (never its content).</summary>
    public static TlsPair? Read(IDictionary<string, byte[]>? data, out string problem)
    {
        var missing = new[] { CertificateKey, PrivateKeyKey }.Where(key => data is null || !data.TryGetValue(key, out var value) || value is not { Length: > 0 }).ToList();
        if (missing.Count > 0)
        {
            problem = $"has no {string.Join(" and no ", missing)}";
            return null;
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(data![CertificateKey]), Encoding.UTF8.GetString(data[PrivateKeyKey]));
            problem = string.Empty;
            return new TlsPair(certificate);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            problem = $"does not hold a PEM certificate in tls.crt and its private key in tls.key ({e.Message})";
            return null;
        }
    }

    /// <summary>Whether the certificate chains to <paramref name="root"/> alone.</summary>
    public bool IsIssuedBy(X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(Certificate);
    }

    /// <summary>"for a, b, valid until 2025-01-01 00:00:00Z".</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"for {(DnsNames.Count == 0 ? "no DNS name" : string.Join(", ", DnsNames))}, valid until {NotAfter:u}");

    public void Dispose() => Certificate.Dispose();
}
