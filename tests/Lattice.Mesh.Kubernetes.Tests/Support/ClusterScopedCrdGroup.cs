namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// Tests that install a cluster-scoped CustomResourceDefinition another test's controller would see (cert-manager's
/// Certificate): xunit runs them after every parallel test, one at a time, and each removes what it installed.
/// </summary>
[CollectionDefinition(nameof(ClusterScopedCrdGroup), DisableParallelization = true)]
public sealed class ClusterScopedCrdGroup;
