using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>Reads the identity out of a mesh certificate (an X.509-SVID).</summary>
public static class SpiffeCertificates
{
    /// <summary>The subjectAltName extension.</summary>
    public const string SubjectAlternativeNameOid = "2.5.29.17";

    /// <summary>GeneralName's uniformResourceIdentifier: <c>[6] IMPLICIT IA5String</c>.</summary>
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>
    /// The certificate's SPIFFE id: its subjectAltName must hold exactly one URI, and that URI must be a workload
    /// SPIFFE id (<see cref="SpiffeId.TryParse"/>). A second URI of any scheme, a second subjectAltName extension or
    /// a malformed one makes the identity ambiguous, and this returns false (the SPIFFE X.509-SVID rule).
    /// This reads the certificate only: it says nothing about whether the certificate is trusted.
    /// </summary>
    public static bool TryGetSpiffeId(X509Certificate2 certificate, out string spiffeId)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        spiffeId = string.Empty;
        try
        {
            X509Extension? subjectAlternativeName = null;
            foreach (var extension in certificate.Extensions)
            {
                if (extension.Oid?.Value == SubjectAlternativeNameOid)
                {
                    if (subjectAlternativeName is not null)
                    {
                        return false;
                    }

                    subjectAlternativeName = extension;
                }
            }

            if (subjectAlternativeName is null || !TryReadSingleUri(subjectAlternativeName.RawData, out var uri)
                || !SpiffeId.TryParse(uri, out _, out _, out _))
            {
                return false;
            }

            spiffeId = uri;
            return true;
        }
        catch (CryptographicException)
        {
            // The extensions themselves could not be decoded.
            return false;
        }
    }

    private static bool TryReadSingleUri(byte[] generalNames, out string uri)
    {
        uri = string.Empty;
        var found = 0;
        try
        {
            var outer = new AsnReader(generalNames, AsnEncodingRules.DER);
            var names = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(UriTag))
                {
                    uri = names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag);
                    found++;
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return false;
        }

        return found == 1;
    }
}
