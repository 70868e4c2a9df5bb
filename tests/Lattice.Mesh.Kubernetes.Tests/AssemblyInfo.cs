using Lattice.Mesh.Kubernetes.Tests.Support;

// One real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) for the whole run; tests that
// need it take a KubernetesCluster in their constructor and work in their own namespace.
[assembly: AssemblyFixture(typeof(KubernetesCluster))]
