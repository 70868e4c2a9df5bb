namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>Tests that restart the shared API server; xunit runs them after every parallel test, one at a time.</summary>
[CollectionDefinition(nameof(KubernetesClusterRestartTests), DisableParallelization = true)]
public sealed class KubernetesClusterRestartGroup;
