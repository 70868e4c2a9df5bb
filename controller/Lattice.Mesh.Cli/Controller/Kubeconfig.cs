using k8s;

namespace Lattice.Mesh.Cli.Controller;

/// <summary>Which cluster a command talks to, found as kubectl finds it: an explicit file, else the pod's service account, else $KUBECONFIG or ~/.kube/config.</summary>
internal static class Kubeconfig
{
    public static bool TryResolve(string? path, out KubernetesClientConfiguration configuration, out string problem)
    {
        try
        {
            configuration = path is not null ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
                : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile();
            problem = string.Empty;
            return true;
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            configuration = null!;
            problem = $"no cluster to talk to ({e.Message}). Fix: run it in a pod, or pass --kubeconfig, or set KUBECONFIG.";
            return false;
        }
    }
}
