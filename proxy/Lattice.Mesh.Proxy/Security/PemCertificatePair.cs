using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// A certificate chain file (the leaf, then any intermediates) and its private key file, as both the mesh store and
/// the gateway's public certificates read them: every problem is added to a list with its fix, never thrown.
/// </summary>
internal static class PemCertificatePair
{
    /// <summary>
    /// Reads <paramref name="chainPem"/> into <paramref name="presented"/> and pairs its first certificate with
    /// <paramref name="keyPem"/>. <paramref name="chainFile"/> names the chain file in messages (e.g. "the certificate
    /// chain /x/tls.crt"), <paramref name="leafRole"/> what its first certificate is (e.g. "the workload certificate").
    /// </summary>
    /// <returns>The leaf with its key, or null when something is wrong (then <paramref name="errors"/> says what).</returns>
    public static X509Certificate2? Read(ReadOnlySpan<char> chainPem, ReadOnlySpan<char> keyPem, X509Certificate2Collection presented, string chainFile, string keyFile, string leafRole, List<string> errors)
    {
        try
        {
            presented.ImportFromPem(chainPem);
            if (presented.Count == 0)
            {
                errors.Add($"{chainFile} holds no certificate; it must hold {leafRole} (PEM), then any intermediates");
                return null;
            }
        }
        catch (CryptographicException e)
        {
            errors.Add($"{chainFile} is not valid PEM certificates ({e.Message}); it must hold {leafRole} (PEM), then any intermediates");
            return null;
        }

        try
        {
            // Takes the first certificate of the chain, and refuses a key that is not its key.
            return X509Certificate2.CreateFromPem(chainPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            errors.Add($"the private key {keyFile} cannot be used with the certificate in {chainFile} ({e.Message}); write the key issued with that certificate");
            return null;
        }
    }

    /// <summary>The certificates after the leaf; the leaf's copy in <paramref name="presented"/> is disposed and the collection emptied.</summary>
    public static X509Certificate2Collection TakeIntermediates(X509Certificate2Collection presented)
    {
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < presented.Count; i++)
        {
            intermediates.Add(presented[i]);
        }

        if (presented.Count > 0)
        {
            presented[0].Dispose();
        }

        presented.Clear();
        return intermediates;
    }

    /// <summary>
    /// A certificate SslStream can use as a server or client certificate. On Windows an ephemeral key (from PEM) must
    /// be re-imported through PKCS#12 first; elsewhere it is used as it is.
    /// </summary>
    public static X509Certificate2 ForTls(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }

        using (certificate)
        {
            var pkcs12 = certificate.Export(X509ContentType.Pkcs12);
            try
            {
                return X509CertificateLoader.LoadPkcs12(pkcs12, password: null);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs12);
            }
        }
    }
}
