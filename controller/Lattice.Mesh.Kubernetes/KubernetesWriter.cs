using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Lattice.Mesh.Kubernetes;

/// <summary>
/// Every write the controller makes, counted: server-side apply under <see cref="Labels.FieldManager"/> (forced:
/// the controller owns what it renders), and deletes that treat an object already gone as done.
/// </summary>
internal sealed class KubernetesWriter(IKubernetes client)
{
    private int _writes;

    /// <summary>How many writes were made.</summary>
    public int Writes => Volatile.Read(ref _writes);

    public Task ApplyAsync(IKubernetesObject<V1ObjectMeta> resource, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        var patch = new V1Patch(resource, V1Patch.PatchType.ApplyPatch);
        var (name, ns) = (resource.Metadata.Name, resource.Metadata.NamespaceProperty);
        const string Manager = Labels.FieldManager;
        return resource switch
        {
            V1ServiceAccount => client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, fieldManager: Manager, force: true, cancellationToken: cancellationToken),
            V1Deployment => client.AppsV1.PatchNamespacedDeploymentAsync(patch, name, ns, fieldManager: Manager, force: true, cancellationToken: cancellationToken),
            V1Service => client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, fieldManager: Manager, force: true, cancellationToken: cancellationToken),
            V1PersistentVolumeClaim => client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(patch, name, ns, fieldManager: Manager, force: true, cancellationToken: cancellationToken),
            V1NetworkPolicy => client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(patch, name, ns, fieldManager: Manager, force: true, cancellationToken: cancellationToken),
            V1ConfigMap => client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, fieldManager: Manager, force: true, cancellationToken: cancellationToken),
            V1Secret => client.CoreV1.PatchNamespacedSecretAsync(patch, name, ns, fieldManager: Manager, force: true, cancellationToken: cancellationToken),
            _ => throw new InvalidOperationException($"the controller does not apply {resource.Kind}"),
        };
    }

    /// <summary>
    /// Applies <paramref name="resources"/> in order unless their <see cref="Fingerprint"/> is
    /// <paramref name="lastApplied"/> (nothing changed since the last apply, so nothing is written). Returns the
    /// fingerprint of what is now applied; a failed apply throws, and the caller keeps its last fingerprint.
    /// </summary>
    public async Task<string> ApplyChangedAsync(IReadOnlyCollection<IKubernetesObject<V1ObjectMeta>> resources, string? lastApplied, CancellationToken cancellationToken)
    {
        var fingerprint = Fingerprint(resources);
        if (fingerprint != lastApplied)
        {
            foreach (var resource in resources)
            {
                await ApplyAsync(resource, cancellationToken);
            }
        }

        return fingerprint;
    }

    /// <summary>Server-side apply of a custom object (<paramref name="body"/> names itself in its metadata).</summary>
    public async Task ApplyAsync(string group, string version, string plural, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        Interlocked.Increment(ref _writes);
        var metadata = body["metadata"]!;
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), group, version, (string)metadata["namespace"]!, plural, (string)metadata["name"]!,
            fieldManager: Labels.FieldManager, force: true, cancellationToken: cancellationToken);
    }

    /// <summary>Any other write, counted.</summary>
    public async Task WriteAsync(Func<Task> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Interlocked.Increment(ref _writes);
        await write();
    }

    /// <summary>Runs <paramref name="delete"/>; false when the object was already gone.</summary>
    public async Task<bool> DeleteAsync(Func<Task> delete)
    {
        ArgumentNullException.ThrowIfNull(delete);
        Interlocked.Increment(ref _writes);
        try
        {
            await delete();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>A digest of what <paramref name="resources"/> would apply (their JSON): what was applied, to apply again only when it changed.</summary>
    public static string Fingerprint(IEnumerable<IKubernetesObject<V1ObjectMeta>> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var text = new StringBuilder();
        foreach (var resource in resources)
        {
            text.Append(KubernetesJson.Serialize(resource)).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>A CA certificate published for anyone to read: ConfigMap <paramref name="name"/>, key <c>ca.crt</c>.</summary>
    public static V1ConfigMap CaConfigMap(string name, string ns, string pem) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { [Labels.ManagedBy] = Labels.ManagedByValue } },
        Data = new Dictionary<string, string> { ["ca.crt"] = pem },
    };

    /// <summary>The API server's own words for a refusal (its Status message), else the exception's.</summary>
    public static string Message(HttpOperationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            return KubernetesJson.Deserialize<V1Status>(e.Response.Content)?.Message ?? e.Message;
        }
        catch (JsonException)
        {
            return e.Message;
        }
    }
}
