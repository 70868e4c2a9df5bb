using System.Formats.Asn1;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Tests.Security;

public sealed class SpiffeCertificatesTests
{
    private const string Sonarr = "spiffe://lattice.local/ns/media/sa/sonarr";

    [Fact]
    public void Reads_TheSpiffeIdOfAnIssuedCertificate()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload(Sonarr, dnsNames: ["sonarr.media.svc"]);

        Assert.True(SpiffeCertificates.TryGetSpiffeId(issued.Certificate, out var spiffeId));
        Assert.Equal(Sonarr, spiffeId);
    }

    [Fact]
    public void Reads_TheSpiffeIdAmongOtherKindsOfName()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, "sonarr.media.svc", new Asn1Tag(TagClass.ContextSpecific, 2));
            writer.WriteOctetString([127, 0, 0, 1], new Asn1Tag(TagClass.ContextSpecific, 7));
            writer.WriteCharacterString(UniversalTagNumber.IA5String, Sonarr, new Asn1Tag(TagClass.ContextSpecific, 6));
        }

        using var certificate = CraftedCertificates.WithRawSubjectAlternativeName(writer.Encode());

        Assert.True(SpiffeCertificates.TryGetSpiffeId(certificate, out var spiffeId));
        Assert.Equal(Sonarr, spiffeId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://sonarr.media.svc/")]
    [InlineData(Sonarr + " https://sonarr.media.svc/")]
    [InlineData("https://sonarr.media.svc/ " + Sonarr)]
    [InlineData(Sonarr + " spiffe://lattice.local/ns/media/sa/nzbget")]
    [InlineData(Sonarr + " " + Sonarr)]
    [InlineData("spiffe://lattice.local/ns/media")]
    [InlineData("spiffe://lattice.local/ns/media/sa/sonarr/")]
    [InlineData("spiffe://lattice.local/ns/media/sa/Sonarr")]
    [InlineData("spiffe://lattice.local/workload/sonarr")]
    public void Refuses_AnythingButExactlyOneUriThatIsAWorkloadSpiffeId(string uris)
    {
        using var certificate = CraftedCertificates.SelfSigned(uris.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.False(SpiffeCertificates.TryGetSpiffeId(certificate, out var spiffeId));
        Assert.Equal(string.Empty, spiffeId);
    }

    [Fact]
    public void Refuses_TwoSubjectAlternativeNameExtensions()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload(Sonarr);
        using var doubled = CraftedCertificates.WithEveryExtensionTwice(issued.Certificate);

        Assert.Equal(2, doubled.Extensions.Count(e => e.Oid?.Value == SpiffeCertificates.SubjectAlternativeNameOid));
        Assert.False(SpiffeCertificates.TryGetSpiffeId(doubled, out _));
    }

    [Theory]
    [InlineData("300186")] // a SEQUENCE whose length runs past the end
    [InlineData("04020000")] // an OCTET STRING where GeneralNames belong
    [InlineData("3003860141" + "00")] // trailing bytes after GeneralNames
    [InlineData("30038601FF")] // a URI that is not IA5
    public void Refuses_AMalformedSubjectAlternativeName(string hex)
    {
        using var certificate = CraftedCertificates.WithRawSubjectAlternativeName(Convert.FromHexString(hex));

        Assert.False(SpiffeCertificates.TryGetSpiffeId(certificate, out _));
    }
}
