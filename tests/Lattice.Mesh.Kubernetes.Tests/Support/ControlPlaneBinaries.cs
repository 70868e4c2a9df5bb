namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// Where the control plane's programs are: kube-apiserver, kube-controller-manager and kubectl from the cache that
/// tests/k8s/setup.sh fills (<c>$LATTICE_K8S_CACHE/bin</c>, default <c>~/.cache/lattice-mesh/k8s/bin</c>), etcd from PATH.
/// </summary>
internal sealed record ControlPlaneBinaries(string Etcd, string ApiServer, string ControllerManager, string Kubectl)
{
    public static ControlPlaneBinaries Locate()
    {
        var cache = Environment.GetEnvironmentVariable("LATTICE_K8S_CACHE");
        if (string.IsNullOrWhiteSpace(cache))
        {
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "lattice-mesh", "k8s");
        }

        return Locate(cache);
    }

    /// <summary>The binaries in <paramref name="cache"/>/bin, or an exception that says how to install them.</summary>
    public static ControlPlaneBinaries Locate(string cache)
    {
        var bin = Path.Combine(cache, "bin");
        var missing = new List<string>();
        string InCache(string name)
        {
            var path = Path.Combine(bin, name);
            if (!File.Exists(path))
            {
                missing.Add(path);
            }

            return path;
        }

        var apiServer = InCache("kube-apiserver");
        var controllerManager = InCache("kube-controller-manager");
        var kubectl = InCache("kubectl");
        var etcd = OnPath("etcd");
        if (etcd is null)
        {
            missing.Add("etcd (on PATH)");
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The Kubernetes test control plane is not installed: missing {string.Join(", ", missing)}. " +
                $"Run tests/k8s/setup.sh from the repository root (it builds and caches Kubernetes v1.20.2 into {bin}; " +
                "set LATTICE_K8S_CACHE to use another cache directory).");
        }

        return new ControlPlaneBinaries(etcd!, apiServer, controllerManager, kubectl);
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
