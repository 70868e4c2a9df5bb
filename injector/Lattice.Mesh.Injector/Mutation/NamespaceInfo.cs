namespace Lattice.Mesh.Injector.Mutation;

/// <summary>
/// The namespace a pod is created in. Its name comes from the AdmissionReview request, not the pod: a pod that a
/// ReplicaSet creates often has an empty <c>metadata.namespace</c> (and an empty name) when the webhook sees it.
/// </summary>
public sealed record NamespaceInfo(string Name, IReadOnlyDictionary<string, string> Labels)
{
    public bool Equals(NamespaceInfo? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && Labels.Count == other.Labels.Count
        && Labels.All(label => other.Labels.TryGetValue(label.Key, out var value) && string.Equals(value, label.Value, StringComparison.Ordinal));

    public override int GetHashCode()
    {
        // Order-independent over the labels, so equal namespaces hash alike however their labels were built.
        var labels = 0;
        foreach (var label in Labels)
        {
            labels ^= HashCode.Combine(StringComparer.Ordinal.GetHashCode(label.Key), StringComparer.Ordinal.GetHashCode(label.Value));
        }

        return HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), labels);
    }
}
