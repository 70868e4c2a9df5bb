using System.Text.Json;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Kubernetes.Ingress;

/// <summary>
/// One TLS Secret the gateway serves, in the gateway's namespace: <c>ingress-&lt;service namespace&gt;-&lt;secretName&gt;</c>,
/// for every host whose service names that Secret. Services in one namespace that name the same Secret share it.
/// </summary>
public sealed record IngressSecret
{
    /// <summary>The Secret's name in the gateway's namespace (and the cert-manager Certificate's).</summary>
    public required string Name { get; init; }

    /// <summary>The namespace of the services, where a manual Secret is read from.</summary>
    public required string Namespace { get; init; }

    /// <summary>The <c>secretName</c> the services give (for auto, the default <c>&lt;service&gt;-tls</c>).</summary>
    public required string SecretName { get; init; }

    /// <summary>The TLS settings of the first service (by name) that names the Secret.</summary>
    public required IngressTls Tls { get; init; }

    /// <summary>Every host served with this Secret, sorted.</summary>
    public required IReadOnlyList<string> Hosts { get; init; }

    /// <summary>The services whose hosts these are, sorted.</summary>
    public required IReadOnlyList<ServiceId> Services { get; init; }

    /// <summary><c>issuerRef.kind</c>, or ClusterIssuer: the Certificate lives in the gateway's namespace, not the service's, so a namespaced Issuer would have to be there.</summary>
    public string IssuerKind => Tls.IssuerKind ?? CertManager.ClusterIssuer;

    /// <summary>The name in the gateway's namespace of the Secret that serves <paramref name="secretName"/> of namespace <paramref name="ns"/>.</summary>
    public static string NameFor(string ns, string secretName) => KubernetesNames.Fit($"ingress-{ns}-{secretName}");

    /// <summary>
    /// The gateway's Secret that a LatticeService's raw spec names (its <c>ingress.tls.secretName</c>, else
    /// <c>&lt;name&gt;-tls</c>), or null when it declares no ingress. For a service that cannot be read or compiled,
    /// whose hosts are therefore not in the gateway's table: its Secret is held, not deleted, until it is fixed.
    /// </summary>
    public static string? HeldBy(string ns, string name, JsonElement? spec)
    {
        if (spec is not { ValueKind: JsonValueKind.Object } s || !s.TryGetProperty("ingress", out var ingress))
        {
            return null;
        }

        var secretName = ingress.ValueKind == JsonValueKind.Object && ingress.TryGetProperty("tls", out var tls) && tls.ValueKind == JsonValueKind.Object
            && tls.TryGetProperty("secretName", out var named) && named.ValueKind == JsonValueKind.String && named.GetString() is { Length: > 0 } given
            ? given
            : $"{name}-tls";
        return NameFor(ns, secretName);
    }

    /// <summary>The Secrets the gateway's table asks for, sorted by name.</summary>
    public static IReadOnlyList<IngressSecret> Plan(RouteTable.RouteTable gatewayTable)
    {
        ArgumentNullException.ThrowIfNull(gatewayTable);
        return
        [
            .. gatewayTable.Gateway
                .Select(host => (Host: host, Service: ServiceId.TryParse(host.Service, out var id) ? id : default))
                .Where(h => h.Service != default)
                .GroupBy(h => (h.Service.Namespace, h.Host.Tls.SecretName))
                .Select(group =>
                {
                    var first = group.OrderBy(h => h.Service).ThenBy(h => h.Host.Host, StringComparer.Ordinal).First();
                    return new IngressSecret
                    {
                        Name = NameFor(group.Key.Namespace, group.Key.SecretName),
                        Namespace = group.Key.Namespace,
                        SecretName = group.Key.SecretName,
                        Tls = first.Host.Tls,
                        Hosts = [.. group.Select(h => h.Host.Host).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                        Services = [.. group.Select(h => h.Service).Distinct().Order()],
                    };
                })
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .ThenBy(s => s.Namespace, StringComparer.Ordinal),
        ];
    }

    public bool Equals(IngressSecret? other) =>
        other is not null
        && Name == other.Name
        && Namespace == other.Namespace
        && SecretName == other.SecretName
        && Tls == other.Tls
        && Hosts.SequenceEqual(other.Hosts, StringComparer.Ordinal)
        && Services.SequenceEqual(other.Services);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name, StringComparer.Ordinal);
        hash.Add(Namespace, StringComparer.Ordinal);
        hash.Add(SecretName, StringComparer.Ordinal);
        hash.Add(Tls);
        foreach (var host in Hosts)
        {
            hash.Add(host, StringComparer.Ordinal);
        }

        foreach (var service in Services)
        {
            hash.Add(service);
        }

        return hash.ToHashCode();
    }
}
