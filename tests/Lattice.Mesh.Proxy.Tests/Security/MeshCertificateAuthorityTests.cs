using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Authority;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Security;

public sealed class MeshCertificateAuthorityTests
{
    private const string Sonarr = "spiffe://lattice.local/ns/media/sa/sonarr";

    private static readonly DateTimeOffset Now = new(2025, 11, 24, 3, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Root_IsAPathLengthZeroSigningCaNamingTheTrustDomain()
    {
        using var authority = MeshCertificateAuthority.Create("lattice.local", new FixedTimeProvider(Now));
        using var root = authority.GetRootCertificate();

        Assert.Equal("CN=Lattice.Mesh root, O=lattice.local", root.Subject);
        Assert.Equal(
            new X500DistinguishedName("CN=Lattice.Mesh root, O=lattice.local").EnumerateRelativeDistinguishedNames().Select(n => (n.GetSingleElementType().Value, n.GetSingleElementValue())),
            root.SubjectName.EnumerateRelativeDistinguishedNames().Select(n => (n.GetSingleElementType().Value, n.GetSingleElementValue())));
        Assert.Equal(root.Subject, root.Issuer);
        Assert.False(root.HasPrivateKey);
        var constraints = root.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.HasPathLengthConstraint);
        Assert.Equal(0, constraints.PathLengthConstraint);
        Assert.True(constraints.Critical);
        var usage = root.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, ECCurveOf(root));
        Assert.Equal(Now - MeshCertificateAuthority.ClockSkew, root.NotBefore.ToUniversalTime());
        Assert.Equal(Now + TimeSpan.FromDays(3652), root.NotAfter.ToUniversalTime());
        Assert.Equal(Now + TimeSpan.FromDays(3652), authority.NotAfter);
        Assert.Equal("lattice.local", authority.TrustDomain);
    }

    [Fact]
    public void Roots_HaveRandomPositiveSerialNumbers()
    {
        using var first = MeshCertificateAuthority.Create();
        using var second = MeshCertificateAuthority.Create();

        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        foreach (var serial in new[] { first.SerialNumber, second.SerialNumber })
        {
            Assert.Equal(32, serial.Length);
            Assert.True(BigInteger.Parse("0" + serial, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.True(Convert.FromHexString(serial)[0] is > 0 and < 0x80);
        }
    }

    [Fact]
    public void Issues_ACertificateWhoseOnlyUriIsTheSpiffeId()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload(Sonarr, dnsNames: ["sonarr.media.svc.cluster.local", "sonarr"]);

        var names = Assert.Single(issued.Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal([(6, Sonarr), (2, "sonarr.media.svc.cluster.local"), (2, "sonarr")], GeneralNames(names.RawData));
        Assert.Equal(["sonarr.media.svc.cluster.local", "sonarr"], names.EnumerateDnsNames());
        Assert.True(Lattice.Mesh.Proxy.Security.SpiffeCertificates.TryGetSpiffeId(issued.Certificate, out var spiffeId));
        Assert.Equal(Sonarr, spiffeId);
        Assert.Equal(Sonarr, issued.SpiffeId);
        Assert.Equal("CN=sonarr", issued.Certificate.Subject);
    }

    [Fact]
    public void Issues_AWorkloadCertificateThatIsNoCa_ForServerAndClientAuthentication()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload(Sonarr);
        var certificate = issued.Certificate;

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, ECCurveOf(certificate));
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.False(constraints.CertificateAuthority);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        Assert.True(usage.Critical);
        var extended = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], extended.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).Order(StringComparer.Ordinal));
        Assert.NotNull(certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().SingleOrDefault());
        Assert.Equal("CN=Lattice.Mesh root, O=lattice.local", certificate.Issuer);
    }

    [Fact]
    public void Issues_EachWorkloadItsOwnKeyAndSerialNumber()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var first = authority.IssueWorkload(Sonarr);
        using var second = authority.IssueWorkload(Sonarr);

        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.NotEqual(first.Certificate.GetPublicKey(), second.Certificate.GetPublicKey());
        Assert.NotEqual(first.ExportPrivateKeyPem(), second.ExportPrivateKeyPem());
    }

    [Fact]
    public void Issued_ChainsToTheRoot_WithACustomTrustStore_AndNotToAnotherRoot()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var other = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload(Sonarr);

        using (var root = authority.GetRootCertificate())
        {
            Assert.True(Chains(issued.Certificate, root, out var status), status);
        }

        using (var otherRoot = other.GetRootCertificate())
        {
            Assert.False(Chains(issued.Certificate, otherRoot, out _));
        }
    }

    [Fact]
    public void Issued_IsDatedAMinuteBack_ValidFor24Hours_AndRenewedAtHalfLife()
    {
        using var authority = MeshCertificateAuthority.Create(timeProvider: new FixedTimeProvider(Now));
        using var issued = authority.IssueWorkload(Sonarr);

        Assert.Equal(Now - TimeSpan.FromMinutes(1), issued.NotBefore);
        Assert.Equal(Now + TimeSpan.FromHours(24), issued.NotAfter);
        Assert.Equal(issued.NotBefore.UtcDateTime, issued.Certificate.NotBefore.ToUniversalTime());
        Assert.Equal(issued.NotAfter.UtcDateTime, issued.Certificate.NotAfter.ToUniversalTime());
        Assert.Equal(issued.NotBefore + ((issued.NotAfter - issued.NotBefore) / 2), issued.RenewAt);
        Assert.Equal(Now + TimeSpan.FromHours(12) - TimeSpan.FromSeconds(30), issued.RenewAt);
    }

    [Fact]
    public void Issued_HonoursTheValidityAskedFor()
    {
        using var authority = MeshCertificateAuthority.Create(timeProvider: new FixedTimeProvider(Now));
        using var issued = authority.IssueWorkload(Sonarr, TimeSpan.FromHours(1));

        Assert.Equal(Now + TimeSpan.FromHours(1), issued.NotAfter);
        Assert.Equal(Now + TimeSpan.FromMinutes(29.5), issued.RenewAt);
    }

    [Fact]
    public void PemRoundTrip_KeepsIssuingCertificatesThatChainToTheSameRoot()
    {
        using var original = MeshCertificateAuthority.Create("home.arpa");
        var certificatePem = original.CertificatePem;
        var keyPem = original.ExportPrivateKeyPem();

        using var restored = MeshCertificateAuthority.ImportFromPem(certificatePem, keyPem);
        using var issued = restored.IssueWorkload("spiffe://home.arpa/ns/media/sa/nzbget");

        Assert.Equal("home.arpa", restored.TrustDomain);
        Assert.Equal(original.SerialNumber, restored.SerialNumber);
        using var root = X509Certificate2.CreateFromPem(certificatePem);
        Assert.True(Chains(issued.Certificate, root, out var status), status);
        Assert.Equal(certificatePem, issued.TrustBundlePem);
    }

    [Fact]
    public async Task Files_KeepTheRoot_WithTheKeyReadableByItsOwnerOnly()
    {
        var folder = Directory.CreateTempSubdirectory("lattice-ca-");
        try
        {
            using var original = MeshCertificateAuthority.Create();
            var certificatePath = Path.Combine(folder.FullName, "ca.crt");
            var keyPath = Path.Combine(folder.FullName, "ca.key");
            await File.WriteAllTextAsync(keyPath, "an older, world-readable file", TestContext.Current.CancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            await original.WriteToFilesAsync(certificatePath, keyPath, TestContext.Current.CancellationToken);

            using var restored = await MeshCertificateAuthority.ReadFromFilesAsync(certificatePath, keyPath, cancellationToken: TestContext.Current.CancellationToken);
            using var issued = restored.IssueWorkload(Sonarr);

            Assert.Equal(original.SerialNumber, restored.SerialNumber);
            Assert.Contains("BEGIN PRIVATE KEY", await File.ReadAllTextAsync(keyPath, TestContext.Current.CancellationToken), StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Import_RefusesAKeyThatIsNotTheRootsKey()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var other = MeshCertificateAuthority.Create();

        var error = Assert.Throws<ArgumentException>(() => MeshCertificateAuthority.ImportFromPem(authority.CertificatePem, other.ExportPrivateKeyPem()));

        Assert.Equal("privateKeyPem", error.ParamName);
        Assert.Contains("ExportPrivateKeyPem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_RefusesAWorkloadCertificateAsARoot()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload(Sonarr);

        var error = Assert.Throws<ArgumentException>(() => MeshCertificateAuthority.ImportFromPem(issued.CertificateChainPem, issued.ExportPrivateKeyPem()));

        Assert.Contains("not a CA", error.Message, StringComparison.Ordinal);
        Assert.Contains("keyCertSign", error.Message, StringComparison.Ordinal);
        Assert.Contains("names no trust domain", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sonarr")]
    [InlineData("https://lattice.local/ns/media/sa/sonarr")]
    [InlineData("spiffe://lattice.local/ns/media")]
    [InlineData("spiffe://lattice.local/ns/media/sa/sonarr/extra")]
    [InlineData("spiffe://lattice.local/ns/Media/sa/sonarr")]
    [InlineData("spiffe://lattice.local/sa/sonarr/ns/media")]
    [InlineData("SPIFFE://lattice.local/ns/media/sa/sonarr")]
    public void Issue_RefusesWhatIsNotAWorkloadSpiffeId_SayingWhatOneLooksLike(string spiffeId)
    {
        using var authority = MeshCertificateAuthority.Create();

        var error = Assert.Throws<ArgumentException>(() => authority.IssueWorkload(spiffeId));

        Assert.Equal("spiffeId", error.ParamName);
        Assert.Contains("spiffe://<trust domain>/ns/<namespace>/sa/<service account>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_RefusesAnIdOfAnotherTrustDomain()
    {
        using var authority = MeshCertificateAuthority.Create("lattice.local");

        var error = Assert.Throws<ArgumentException>(() => authority.IssueWorkload(SpiffeId.For("elsewhere.example", "media", "sonarr")));

        Assert.Contains("spiffe://lattice.local/ns/<namespace>/sa/<service account>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_RefusesAnInvalidDnsName()
    {
        using var authority = MeshCertificateAuthority.Create();

        var error = Assert.Throws<ArgumentException>(() => authority.IssueWorkload(Sonarr, dnsNames: ["Sonarr_1"]));

        Assert.Equal("dnsNames", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3653 * 24)]
    public void Issue_RefusesAValidityThatIsNotPositive_OrOutlivesTheRoot(int hours)
    {
        using var authority = MeshCertificateAuthority.Create();

        var error = Assert.Throws<ArgumentException>(() => authority.IssueWorkload(Sonarr, TimeSpan.FromHours(hours)));

        Assert.Equal("validity", error.ParamName);
    }

    [Fact]
    public void Issue_RefusesWhileTheClockIsBeforeTheRoot()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var behind = MeshCertificateAuthority.ImportFromPem(authority.CertificatePem, authority.ExportPrivateKeyPem(), new ShiftedTimeProvider(TimeSpan.FromHours(-1)));

        var error = Assert.Throws<InvalidOperationException>(() => behind.IssueWorkload(Sonarr));

        Assert.Contains("check the clock", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_RefusesATrustDomainThatIsNotADnsName()
    {
        var error = Assert.Throws<ArgumentException>(() => MeshCertificateAuthority.Create("Lattice Local"));

        Assert.Equal("trustDomain", error.ParamName);
    }

    [Fact]
    public void ToString_NamesCertificates_NeverTheirKeys()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload(Sonarr);

        foreach (var (text, key) in new[] { (authority.ToString(), authority.ExportPrivateKeyPem()), (issued.ToString(), issued.ExportPrivateKeyPem()) })
        {
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain(KeyBody(key)[..16], text, StringComparison.Ordinal);
        }

        Assert.Contains(Sonarr, issued.ToString(), StringComparison.Ordinal);
        Assert.Contains(authority.SerialNumber, authority.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Every name of a subjectAltName, as (GeneralName tag, text): read independently of the code under test.</summary>
    internal static List<(int Tag, string Value)> GeneralNames(byte[] extension)
    {
        var names = new List<(int, string)>();
        var sequence = new AsnReader(extension, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            var tag = sequence.PeekTag();
            names.Add(tag.TagValue is 1 or 2 or 6
                ? (tag.TagValue, sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag))
                : (tag.TagValue, Convert.ToHexString(sequence.ReadEncodedValue().Span)));
        }

        return names;
    }

    internal static string KeyBody(string pem) => string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));

    private static string? ECCurveOf(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPublicKey()!;
        return key.ExportParameters(false).Curve.Oid.Value;
    }

    private static bool Chains(X509Certificate2 leaf, X509Certificate2 root, out string status)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var built = chain.Build(leaf);
        status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation));
        return built;
    }
}
