using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Lattice.Mesh.Kubernetes.Reconciling;

/// <summary>
/// A LatticeService as the API server returns it. The spec stays raw JSON: the controller reads it with the same
/// reader as <c>lattice-mesh validate</c>, so that the cluster and the command line agree on every error.
/// </summary>
public sealed class LatticeServiceObject : IKubernetesObject<V1ObjectMeta>
{
    public const string Group = "lattice.dev";

    public const string Version = "v1alpha1";

    public const string Plural = "latticeservices";

    public const string ApiGroupVersion = Group + "/" + Version;

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = Compiler.Model.LatticeService.Kind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public JsonElement? Spec { get; set; }

    [JsonPropertyName("status")]
    public JsonElement? Status { get; set; }

    /// <summary><c>namespace/name</c>.</summary>
    [JsonIgnore]
    public string Key => $"{Metadata.NamespaceProperty}/{Metadata.Name}";
}

/// <summary>The list the API server returns for LatticeServices.</summary>
public sealed class LatticeServiceList
{
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<LatticeServiceObject> Items { get; set; } = [];
}
