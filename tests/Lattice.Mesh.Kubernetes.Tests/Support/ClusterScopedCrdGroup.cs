namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// Tests that change cluster-scoped objects other tests would see: a CustomResourceDefinition (cert-manager's
/// Certificate; the LatticeService CRD itself, which deploy/'s uninstall removes and puts back), deploy/'s webhook and
/// ClusterRoles. xunit runs them after every parallel test, one at a time, and each removes what it installed.
/// </summary>
[CollectionDefinition(nameof(ClusterScopedCrdGroup), DisableParallelization = true)]
public sealed class ClusterScopedCrdGroup;
