using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// Chain building against the mesh trust bundle and nothing else: the system roots are ignored, nothing is
/// downloaded (a certificate's AIA address is the peer's to choose), and revocation is not checked (the mesh
/// relies on short-lived certificates instead).
/// </summary>
internal static class MeshChain
{
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>
    /// True when <paramref name="leaf"/> chains to a certificate of <paramref name="trustBundle"/> at <paramref name="now"/>.
    /// <paramref name="intermediates"/> may complete the path (those the peer sent) but are never trusted as roots;
    /// <paramref name="usage"/> is an extended key usage the leaf must allow, or null for any.
    /// </summary>
    public static bool TryBuild(X509Certificate2 leaf, X509Certificate2Collection trustBundle, X509Certificate2Collection? intermediates, Oid? usage, DateTimeOffset now, out string failure)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(trustBundle);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationFlags = X509VerificationFlags.NoFlag;
        policy.VerificationTime = now.UtcDateTime;
        if (intermediates is not null)
        {
            policy.ExtraStore.AddRange(intermediates);
        }

        if (usage is not null)
        {
            policy.ApplicationPolicy.Add(usage);
        }

        try
        {
            if (chain.Build(leaf))
            {
                failure = string.Empty;
                return true;
            }

            var reasons = chain.ChainStatus.Select(s => s.Status == X509ChainStatusFlags.PartialChain || s.Status == X509ChainStatusFlags.UntrustedRoot
                ? "it is not signed by a CA of the mesh trust bundle"
                : $"{s.Status}: {s.StatusInformation.Trim()}");
            failure = string.Join("; ", reasons.Distinct(StringComparer.Ordinal).DefaultIfEmpty("its chain is not valid"));
            return false;
        }
        finally
        {
            // The chain's elements are copies made for it; dispose them now rather than at finalisation, but never a
            // certificate that was handed in.
            foreach (var element in chain.ChainElements)
            {
                var certificate = element.Certificate;
                if (!ReferenceEquals(certificate, leaf) && !HoldsInstance(trustBundle, certificate) && (intermediates is null || !HoldsInstance(intermediates, certificate)))
                {
                    certificate.Dispose();
                }
            }
        }
    }

    /// <summary>By reference: <see cref="X509Certificate2Collection.Contains"/> compares issuer and serial number.</summary>
    private static bool HoldsInstance(X509Certificate2Collection collection, X509Certificate2 certificate)
    {
        foreach (var candidate in collection)
        {
            if (ReferenceEquals(candidate, certificate))
            {
                return true;
            }
        }

        return false;
    }
}
