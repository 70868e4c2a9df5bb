namespace Lattice.Mesh.RouteTable;

/// <summary>SPIFFE ids of mesh workloads: <c>spiffe://&lt;trust-domain&gt;/ns/&lt;namespace&gt;/sa/&lt;service account&gt;</c>.</summary>
public static class SpiffeId
{
    public const string Scheme = "spiffe://";

    public const string DefaultTrustDomain = "lattice.local";

    public static string For(string trustDomain, string @namespace, string serviceAccount) =>
        $"{Scheme}{trustDomain}/ns/{@namespace}/sa/{serviceAccount}";

    /// <summary>Splits a workload SPIFFE id into its parts; false for anything else.</summary>
    public static bool TryParse(string? value, out string trustDomain, out string @namespace, out string serviceAccount)
    {
        trustDomain = @namespace = serviceAccount = string.Empty;
        if (value is null || !value.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = value[Scheme.Length..].Split('/');
        if (parts.Length != 5 || parts[1] != "ns" || parts[3] != "sa"
            || !Names.IsDnsSubdomain(parts[0]) || !Names.IsDnsLabel(parts[2]) || !Names.IsDnsLabel(parts[4]))
        {
            return false;
        }

        (trustDomain, @namespace, serviceAccount) = (parts[0], parts[2], parts[4]);
        return true;
    }
}
