using Lattice.Mesh.Authority;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>Mesh CAs for tests: roots created a day ago, so that certificates can also be issued (already expired) in the past.</summary>
internal static class TestAuthorities
{
    public static MeshCertificateAuthority Create(string trustDomain = "lattice.local")
    {
        using var created = MeshCertificateAuthority.Create(trustDomain, new ShiftedTimeProvider(TimeSpan.FromDays(-1)));
        return MeshCertificateAuthority.ImportFromPem(created.CertificatePem, created.ExportPrivateKeyPem());
    }

    /// <summary>A certificate of <paramref name="authority"/> that was valid for an hour, and expired two hours ago.</summary>
    public static WorkloadCertificate IssueExpired(MeshCertificateAuthority authority, string spiffeId)
    {
        using var past = MeshCertificateAuthority.ImportFromPem(authority.CertificatePem, authority.ExportPrivateKeyPem(), new ShiftedTimeProvider(TimeSpan.FromHours(-3)));
        return past.IssueWorkload(spiffeId, TimeSpan.FromHours(1));
    }
}
