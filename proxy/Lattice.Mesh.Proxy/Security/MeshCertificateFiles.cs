using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// What makes a set of mesh certificate files acceptable: the trust bundle holds CA certificates only; the chain
/// file's first certificate is the workload's, its key is the key file's, it is valid now, is not a CA, allows
/// serverAuth and clientAuth, carries a SPIFFE id and chains to the bundle. Every problem is reported, not the first.
/// </summary>
internal static class MeshCertificateFiles
{
    /// <summary>
    /// Parses and validates the content of the three files; on success <paramref name="snapshot"/> owns the certificates,
    /// on failure <paramref name="failure"/> lists every problem found and nothing is kept. The key's characters are
    /// wiped after use (its bytes are the caller's to wipe).
    /// </summary>
    public static bool TryLoad(MeshCertificateOptions options, byte[] chainBytes, byte[] keyBytes, byte[] bundleBytes, TimeProvider time, out MeshCertificateSnapshot snapshot, out string failure)
    {
        snapshot = null!;
        var errors = new List<string>();
        var now = time.GetUtcNow();
        var chainPem = Encoding.UTF8.GetChars(chainBytes);
        var keyPem = Encoding.UTF8.GetChars(keyBytes);
        var bundle = new X509Certificate2Collection();
        var presented = new X509Certificate2Collection();
        X509Certificate2? leaf = null;
        try
        {
            try
            {
                bundle.ImportFromPem(Encoding.UTF8.GetString(bundleBytes));
            }
            catch (CryptographicException e)
            {
                errors.Add($"the trust bundle {options.TrustBundlePath} is not valid PEM certificates ({e.Message})");
            }

            if (bundle.Count == 0 && errors.Count == 0)
            {
                errors.Add($"the trust bundle {options.TrustBundlePath} holds no certificate; it must hold the mesh CA certificate");
            }

            foreach (var ca in bundle)
            {
                if (!ca.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
                {
                    errors.Add($"the trust bundle {options.TrustBundlePath} holds '{ca.Subject}', which is not a CA certificate; it must hold only CA certificates");
                }
            }

            leaf = PemCertificatePair.Read(chainPem, keyPem, presented, $"the certificate chain {options.CertificatePath}", options.KeyPath, "the workload certificate", errors);

            if (leaf is not null)
            {
                CheckWorkloadCertificate(options, leaf, bundle, presented, now, errors);
            }

            if (errors.Count > 0 || leaf is null)
            {
                failure = string.Join("; ", errors);
                return false;
            }

            SpiffeCertificates.TryGetSpiffeId(leaf, out var spiffeId);
            var intermediates = PemCertificatePair.TakeIntermediates(presented);
            snapshot = new MeshCertificateSnapshot(PemCertificatePair.ForTls(leaf), spiffeId, intermediates, bundle, time);
            leaf = null;
            bundle = new X509Certificate2Collection();
            failure = string.Empty;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(keyPem.AsSpan()));
            leaf?.Dispose();
            foreach (var certificate in presented)
            {
                certificate.Dispose();
            }

            foreach (var certificate in bundle)
            {
                certificate.Dispose();
            }
        }
    }

    private static void CheckWorkloadCertificate(MeshCertificateOptions options, X509Certificate2 leaf, X509Certificate2Collection bundle, X509Certificate2Collection presented, DateTimeOffset now, List<string> errors)
    {
        var name = $"the certificate in {options.CertificatePath} (serial {leaf.SerialNumber})";
        if (now.UtcDateTime < leaf.NotBefore.ToUniversalTime())
        {
            errors.Add($"{name} is not valid before {leaf.NotBefore.ToUniversalTime():u}; check the clocks of this node and the controller");
        }

        if (now.UtcDateTime >= leaf.NotAfter.ToUniversalTime())
        {
            errors.Add($"{name} expired on {leaf.NotAfter.ToUniversalTime():u}; the controller must issue a new one");
        }

        if (leaf.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            errors.Add($"{name} is a CA certificate; it must be a workload certificate");
        }

        if (leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage
            && !(Allows(usage, MeshChain.ServerAuthentication) && Allows(usage, MeshChain.ClientAuthentication)))
        {
            errors.Add($"{name} must allow both serverAuth and clientAuth (extended key usage): a sidecar is a TLS server and a TLS client");
        }

        if (!SpiffeCertificates.TryGetSpiffeId(leaf, out _))
        {
            errors.Add($"{name} carries no SPIFFE id; it must have exactly one URI SAN, spiffe://<trust domain>/ns/<namespace>/sa/<service account>");
        }

        if (bundle.Count > 0)
        {
            var intermediates = new X509Certificate2Collection();
            for (var i = 1; i < presented.Count; i++)
            {
                intermediates.Add(presented[i]);
            }

            if (!MeshChain.TryBuild(leaf, bundle, intermediates, usage: null, now, out var chainFailure))
            {
                errors.Add($"{name} does not chain to the trust bundle {options.TrustBundlePath}: {chainFailure}");
            }
        }

        static bool Allows(X509EnhancedKeyUsageExtension usage, Oid oid) =>
            usage.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == oid.Value);
    }

}
