namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// Tests that install deploy/ as a user would, into the real lattice-system with its cluster-wide objects (the
/// webhook, the ClusterRoles) and uninstall it again: xunit runs them after every parallel test, one at a time.
/// </summary>
[CollectionDefinition(nameof(InstallGroup), DisableParallelization = true)]
public sealed class InstallGroup;
