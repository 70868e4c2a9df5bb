using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// What makes a Secret's <c>tls.crt</c> and <c>tls.key</c> acceptable to the gateway: the chain file's first
/// certificate is the server's, the key file holds its key, it is valid now, is not a CA, allows serverAuth when it
/// restricts its usage, and names at least one DNS host. Every problem is reported, not the first. Trust is the
/// client's business: a public certificate chains to roots the gateway does not know.
/// </summary>
internal static class GatewayCertificateFiles
{
    public const string CertificateFile = "tls.crt";
    public const string KeyFile = "tls.key";

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>SHA-256 over both files, each prefixed by its length.</summary>
    public static byte[] Fingerprint(byte[] chain, byte[] key)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in new[] { chain, key })
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, part.Length);
            hash.AppendData(length);
            hash.AppendData(part);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Parses and validates one Secret's pair; on failure <paramref name="failure"/> names the Secret's folder, every
    /// problem and its fix. The key's characters are wiped after use (its bytes are the caller's to wipe).
    /// </summary>
    public static bool TryLoad(string secret, string folder, byte[] chainBytes, byte[] keyBytes, byte[] fingerprint, TimeProvider time, out GatewayCertificate certificate, out string failure)
    {
        certificate = null!;
        var errors = new List<string>();
        var chainPem = Encoding.UTF8.GetChars(chainBytes);
        var keyPem = Encoding.UTF8.GetChars(keyBytes);
        var presented = new X509Certificate2Collection();
        X509Certificate2? leaf = null;
        var crt = Path.Combine(folder, CertificateFile);
        var key = Path.Combine(folder, KeyFile);
        try
        {
            leaf = PemCertificatePair.Read(chainPem, keyPem, presented, crt, key, "the server certificate", errors);
            var names = leaf is null ? [] : Check(leaf, crt, time.GetUtcNow(), errors);
            if (errors.Count > 0 || leaf is null)
            {
                failure = $"Secret '{secret}' ({folder}): {string.Join("; ", errors)}";
                return false;
            }

            var intermediates = PemCertificatePair.TakeIntermediates(presented);
            var served = PemCertificatePair.ForTls(leaf);
            leaf = null;

            // Offline: the chain is what tls.crt holds; nothing is fetched while a Secret is loaded.
            certificate = new GatewayCertificate(secret, served, SslStreamCertificateContext.Create(served, intermediates, offline: true), names, fingerprint);
            failure = string.Empty;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(keyPem.AsSpan()));
            leaf?.Dispose();
            foreach (var presentedCertificate in presented)
            {
                presentedCertificate.Dispose();
            }
        }
    }

    private static List<string> Check(X509Certificate2 leaf, string crt, DateTimeOffset now, List<string> errors)
    {
        var name = $"the certificate in {crt} (serial {leaf.SerialNumber})";
        if (now.UtcDateTime < leaf.NotBefore.ToUniversalTime())
        {
            errors.Add($"{name} is not valid before {leaf.NotBefore.ToUniversalTime():u}; check this node's clock, or wait for it to become valid before putting it in the Secret");
        }

        if (now.UtcDateTime >= leaf.NotAfter.ToUniversalTime())
        {
            errors.Add($"{name} expired on {leaf.NotAfter.ToUniversalTime():u}; renew it and write the new certificate and key to the Secret");
        }

        if (leaf.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            errors.Add($"{name} is a CA certificate; it must be the server certificate, issued by the CA");
        }

        if (leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage
            && !usage.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ServerAuthentication))
        {
            errors.Add($"{name} does not allow serverAuth (extended key usage); issue it for TLS servers");
        }

        var names = new List<string>();
        var invalid = new List<string>();
        if (leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } san)
        {
            foreach (var dns in san.EnumerateDnsNames())
            {
                var normalized = GatewayRoutes.Normalize(dns);
                if (IsHostName(normalized))
                {
                    names.Add(normalized);
                }
                else
                {
                    invalid.Add(dns);
                }
            }
        }

        if (invalid.Count > 0)
        {
            errors.Add($"{name} names {string.Join(", ", invalid.Select(n => $"'{n}'"))}, which the gateway cannot match; use host names, or a wildcard only as the whole first label ('*.home.local')");
        }
        else if (names.Count == 0)
        {
            errors.Add($"{name} names no DNS host in its subject alternative names; issue it with the hosts it serves as DNS names (dnsNames)");
        }

        return names;
    }

    /// <summary>A host name, or a wildcard whose first label is exactly <c>*</c> over at least two labels (<c>*.home.local</c>).</summary>
    private static bool IsHostName(string name)
    {
        var labels = name.Split('.');
        var start = labels[0] == "*" ? 1 : 0;
        if (start == 1 && labels.Length < 3)
        {
            return false;
        }

        for (var i = start; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        return labels.Length > start;
    }

}
