using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace Lattice.Mesh.Kubernetes.Ingress;

/// <summary>
/// cert-manager as the controller uses it: whether its Certificate CRD (cert-manager.io/v1) is installed, asked
/// every pass so that installing or removing cert-manager takes effect without a restart, and the Certificate that
/// has it write an ingress Secret.
/// </summary>
public static class CertManager
{
    public const string Group = "cert-manager.io";

    public const string Version = "v1";

    public const string Plural = "certificates";

    public const string CrdName = Plural + "." + Group;

    /// <summary>The issuer kind when issuerRef gives none: the Certificate is in the controller's namespace, where a namespaced Issuer rarely is.</summary>
    public const string ClusterIssuer = "ClusterIssuer";

    /// <summary>Whether cert-manager's Certificate CRD serves v1 and is established; <paramref name="Why"/> says why not.</summary>
    public sealed record Presence(bool Installed, string Why);

    public static async Task<Presence> DetectAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(CrdName, cancellationToken: cancellationToken);
            if (!(crd.Spec.Versions ?? []).Any(v => v.Name == Version && v.Served))
            {
                return new(false, $"cert-manager's CRD {CrdName} does not serve {Version}; upgrade cert-manager to 1.0 or later");
            }

            return (crd.Status?.Conditions ?? []).Any(c => c.Type == "Established" && c.Status == "True")
                ? new(true, $"cert-manager's CRD {CrdName} is installed")
                : new(false, $"cert-manager's CRD {CrdName} is not established yet");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new(false, $"cert-manager's CRDs ({CrdName}) are not installed");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return new(false, $"the controller may not read customresourcedefinitions to look for cert-manager's {CrdName}; grant it get on them");
        }
    }

    /// <summary>The Certificate that has cert-manager write <paramref name="secret"/> in <paramref name="ns"/>, labelled (it and the Secret) as the controller's.</summary>
    public static JsonObject Certificate(IngressSecret secret, string ns, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(labels);
        return new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "Certificate",
            ["metadata"] = new JsonObject { ["name"] = secret.Name, ["namespace"] = ns, ["labels"] = Labels(labels) },
            ["spec"] = new JsonObject
            {
                ["secretName"] = secret.Name,
                ["dnsNames"] = new JsonArray([.. secret.Hosts.Select(h => (JsonNode?)JsonValue.Create(h))]),
                ["issuerRef"] = new JsonObject { ["name"] = secret.Tls.IssuerName, ["kind"] = secret.IssuerKind, ["group"] = Group },

                // The Secret it writes carries the controller's labels, so that the controller deletes it with the Certificate.
                ["secretTemplate"] = new JsonObject { ["labels"] = Labels(labels) },
            },
        };
    }

    /// <summary>Whether a Certificate as listed is Ready, and cert-manager's message.</summary>
    public static (bool Ready, string? Message) Readiness(JsonNode? certificate)
    {
        var ready = (certificate?["status"]?["conditions"] as JsonArray ?? []).FirstOrDefault(c => Text(c?["type"]) == "Ready");
        return ready is null ? (false, null) : (Text(ready["status"]) == "True", Text(ready["message"]));
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JsonObject Labels(IReadOnlyDictionary<string, string> labels) =>
        new([.. labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value)))]);
}
