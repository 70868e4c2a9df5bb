using System.Collections.Frozen;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// An immutable index of the certificates in force, by host: exact names, and wildcards by the name they cover
/// (<c>*.home.local</c> under <c>home.local</c>). Built whole and swapped, never changed.
/// </summary>
internal sealed class GatewayCertificateIndex
{
    public static readonly GatewayCertificateIndex Empty = new(FrozenDictionary<string, GatewayCertificate>.Empty, FrozenDictionary<string, GatewayCertificate>.Empty, FrozenDictionary<string, GatewayCertificate>.Empty, []);

    private readonly FrozenDictionary<string, GatewayCertificate> _exact;
    private readonly FrozenDictionary<string, GatewayCertificate> _wildcard;

    private GatewayCertificateIndex(FrozenDictionary<string, GatewayCertificate> bySecret, FrozenDictionary<string, GatewayCertificate> exact, FrozenDictionary<string, GatewayCertificate> wildcard, IReadOnlyCollection<string> hosts)
    {
        BySecret = bySecret;
        _exact = exact;
        _wildcard = wildcard;
        Hosts = hosts;
    }

    /// <summary>The certificate in force for each Secret.</summary>
    public FrozenDictionary<string, GatewayCertificate> BySecret { get; }

    /// <summary>Every name served, exact and wildcard, sorted.</summary>
    public IReadOnlyCollection<string> Hosts { get; }

    /// <summary>
    /// Indexes the certificates; a name claimed by several Secrets goes to the first by Secret name (ordinal), so the
    /// choice does not depend on the order of reading. <paramref name="conflicts"/> lists each such name.
    /// </summary>
    public static GatewayCertificateIndex Build(IEnumerable<GatewayCertificate> certificates, out List<(string Host, IReadOnlyList<string> Secrets)> conflicts)
    {
        var ordered = certificates.OrderBy(c => c.Secret, StringComparer.Ordinal).ToList();
        var exact = new Dictionary<string, GatewayCertificate>(StringComparer.Ordinal);
        var wildcard = new Dictionary<string, GatewayCertificate>(StringComparer.Ordinal);
        var claims = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var certificate in ordered)
        {
            foreach (var name in certificate.DnsNames.Distinct(StringComparer.Ordinal))
            {
                var (table, key) = name.StartsWith("*.", StringComparison.Ordinal) ? (wildcard, name[2..]) : (exact, name);
                table.TryAdd(key, certificate);
                if (!claims.TryGetValue(name, out var secrets))
                {
                    claims[name] = secrets = [];
                }

                secrets.Add(certificate.Secret);
            }
        }

        conflicts = [.. claims.Where(c => c.Value.Count > 1).Select(c => (c.Key, (IReadOnlyList<string>)c.Value))];
        return new GatewayCertificateIndex(
            ordered.ToFrozenDictionary(c => c.Secret, StringComparer.Ordinal),
            exact.ToFrozenDictionary(StringComparer.Ordinal),
            wildcard.ToFrozenDictionary(StringComparer.Ordinal),
            [.. claims.Keys.Order(StringComparer.Ordinal)]);
    }

    /// <summary>The certificate for an already normalized host: an exact name first, then a wildcard covering exactly its first label.</summary>
    public GatewayCertificate? Find(string host)
    {
        if (_exact.TryGetValue(host, out var certificate))
        {
            return certificate;
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && !host.StartsWith("*.", StringComparison.Ordinal) && _wildcard.TryGetValue(host[(dot + 1)..], out certificate) ? certificate : null;
    }
}
