using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Authority;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>Certificates the mesh CA would never issue, signed by its root all the same: what a validator must refuse on its own.</summary>
internal static class CraftedCertificates
{
    /// <summary>A leaf signed by <paramref name="authority"/>'s root with exactly the given URI SANs (none: no SAN at all).</summary>
    public static X509Certificate2 SignedBy(MeshCertificateAuthority authority, params string[] uris) =>
        SignedBy(authority, uris, certificateAuthority: false);

    public static X509Certificate2 SignedBy(MeshCertificateAuthority authority, string[] uris, bool certificateAuthority)
    {
        using var root = X509Certificate2.CreateFromPem(authority.CertificatePem, authority.ExportPrivateKeyPem());
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(key, uris, certificateAuthority);
        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(root, now.AddMinutes(-1), now.AddHours(1), RandomNumberGenerator.GetBytes(8));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A self-signed leaf with exactly the given URI SANs.</summary>
    public static X509Certificate2 SelfSigned(params string[] uris)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        return Request(key, uris, certificateAuthority: false).CreateSelfSigned(now.AddMinutes(-1), now.AddHours(1));
    }

    /// <summary>A self-signed certificate with the given raw subjectAltName extension (the DER of GeneralNames).</summary>
    public static X509Certificate2 WithRawSubjectAlternativeName(byte[] extension)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=crafted", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", extension, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-1), now.AddHours(1));
    }

    /// <summary>
    /// <paramref name="certificate"/> with its extensions listed twice, which no certificate API will produce: the
    /// TBSCertificate is re-encoded by hand (the signature no longer matches; a parser must refuse it regardless).
    /// </summary>
    public static X509Certificate2 WithEveryExtensionTwice(X509Certificate2 certificate)
    {
        var outer = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadSequence();
        var signatureAlgorithm = outer.ReadEncodedValue();
        var signature = outer.ReadEncodedValue();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
                while (tbs.HasData)
                {
                    if (tbs.PeekTag() != extensionsTag)
                    {
                        writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
                        continue;
                    }

                    var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
                    var each = new List<ReadOnlyMemory<byte>>();
                    while (extensions.HasData)
                    {
                        each.Add(extensions.ReadEncodedValue());
                    }

                    using (writer.PushSequence(extensionsTag))
                    using (writer.PushSequence())
                    {
                        foreach (var extension in each.Concat(each))
                        {
                            writer.WriteEncodedValue(extension.Span);
                        }
                    }
                }
            }

            writer.WriteEncodedValue(signatureAlgorithm.Span);
            writer.WriteEncodedValue(signature.Span);
        }

        return X509CertificateLoader.LoadCertificate(writer.Encode());
    }

    /// <summary>GeneralNames holding the given URIs, encoded by hand.</summary>
    public static byte[] UriNames(params string[] uris)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var uri in uris)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
            }
        }

        return writer.Encode();
    }

    private static CertificateRequest Request(ECDsa key, string[] uris, bool certificateAuthority)
    {
        var request = new CertificateRequest("CN=crafted", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(certificateAuthority ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        if (uris.Length > 0)
        {
            request.CertificateExtensions.Add(new X509Extension("2.5.29.17", UriNames(uris), critical: false));
        }

        return request;
    }
}
