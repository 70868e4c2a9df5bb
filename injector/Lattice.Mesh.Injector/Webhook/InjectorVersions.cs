using System.Globalization;
using k8s.Models;

namespace Lattice.Mesh.Injector.Webhook;

/// <summary>What the cluster's version allows the injector to do.</summary>
public static class InjectorVersions
{
    /// <summary>
    /// Native sidecars (an init container with <c>restartPolicy: Always</c>) are on by default from Kubernetes 1.29. An
    /// older API server would silently drop the field and leave an init container that never ends, so the proxy
    /// becomes the first container there instead.
    /// </summary>
    public static bool SupportsNativeSidecars(VersionInfo version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return int.TryParse(version.Major, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(version.Minor.TrimEnd('+'), NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            && (major > 1 || (major == 1 && minor >= 29));
    }
}
