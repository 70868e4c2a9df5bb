using System.Globalization;
using k8s.Models;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>How the app's traffic reaches the proxy: the iptables init container, or the proxy environment variables.</summary>
internal static class TrafficCapture
{
    private const string ProxyUrl = "http://127.0.0.1:15001";
    private const string NoProxy = "localhost,127.0.0.1";

    /// <summary>The pod's capture; an unknown value gets the default, with a warning.</summary>
    public static string Mode(IDictionary<string, string> annotations, InjectorSettings settings, List<string> warnings)
    {
        if (!annotations.TryGetValue(InjectorAnnotations.Capture, out var value))
        {
            return settings.DefaultCapture;
        }

        var trimmed = value.Trim();
        if (trimmed is InjectorAnnotations.CaptureIptables or InjectorAnnotations.CaptureProxyEnv)
        {
            return trimmed;
        }

        warnings.Add($"{InjectorAnnotations.Capture}: \"{value}\" is not '{InjectorAnnotations.CaptureIptables}' or '{InjectorAnnotations.CaptureProxyEnv}'; the pod gets the default, '{settings.DefaultCapture}'.");
        return settings.DefaultCapture;
    }

    /// <summary>
    /// The init container that installs the redirect rules, from the proxy image itself
    /// (<c>lattice-proxy capture --apply</c>): root with NET_ADMIN and NET_RAW, and nothing else.
    /// </summary>
    public static V1Container InitContainer(
        InjectorSettings settings, IEnumerable<V1Container> appContainers, IDictionary<string, string> annotations, List<string> warnings)
    {
        var inbound = appContainers
            .SelectMany(container => container.Ports ?? [])
            .Where(port => string.IsNullOrEmpty(port.Protocol) || string.Equals(port.Protocol, "TCP", StringComparison.OrdinalIgnoreCase))
            .Select(port => port.ContainerPort)
            .Distinct()
            .ToList();
        var excludeInbound = Ports(annotations, InjectorAnnotations.ExcludeInboundPorts, warnings);
        foreach (var own in (int[])[SidecarLayout.AdminPort, SidecarLayout.OutboundPort, SidecarLayout.InboundPort])
        {
            if (!excludeInbound.Contains(own))
            {
                excludeInbound.Add(own);
            }
        }

        var excludeOutbound = Ports(annotations, InjectorAnnotations.ExcludeOutboundPorts, warnings);
        return new V1Container
        {
            Name = SidecarLayout.CaptureContainer,
            Image = settings.ProxyImage,
            Command =
            [
                SidecarLayout.ProxyContainer,
                "capture",
                "--apply",
                string.Create(CultureInfo.InvariantCulture, $"--proxy-uid={settings.ProxyUid}"),
                // No declared port: capture every inbound port, as the app may listen on any.
                $"--inbound-ports={(inbound.Count == 0 ? "*" : Join(inbound))}",
                $"--exclude-inbound-ports={Join(excludeInbound)}",
                $"--exclude-outbound-ports={Join(excludeOutbound)}",
            ],
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("32Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("128Mi") },
            },
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = 0,
                RunAsNonRoot = false,
                AllowPrivilegeEscalation = false,
                // iptables takes its lock under /run, so the root filesystem stays writable for this one container.
                ReadOnlyRootFilesystem = false,
                Capabilities = new V1Capabilities { Add = ["NET_ADMIN", "NET_RAW"], Drop = ["ALL"] },
            },
        };
    }

    /// <summary>Points every app container's HTTP client at the proxy, keeping any value the app sets itself.</summary>
    public static void AddProxyEnvironment(IEnumerable<V1Container> appContainers)
    {
        foreach (var container in appContainers)
        {
            var env = container.Env ?? [];
            foreach (var (name, value) in (ReadOnlySpan<(string, string)>)[("HTTP_PROXY", ProxyUrl), ("http_proxy", ProxyUrl), ("NO_PROXY", NoProxy), ("no_proxy", NoProxy)])
            {
                if (!env.Any(variable => string.Equals(variable.Name, name, StringComparison.Ordinal)))
                {
                    env.Add(new V1EnvVar { Name = name, Value = value });
                }
            }

            container.Env = env;
        }
    }

    private static List<int> Ports(IDictionary<string, string> annotations, string annotation, List<string> warnings)
    {
        var ports = new List<int>();
        if (!annotations.TryGetValue(annotation, out var value))
        {
            return ports;
        }

        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            {
                if (!ports.Contains(port))
                {
                    ports.Add(port);
                }
            }
            else
            {
                warnings.Add($"{annotation}: \"{entry}\" is not a port number from 1 to 65535; it is left out. Write the ports comma-separated, e.g. \"8081,9090\".");
            }
        }

        return ports;
    }

    private static string Join(IEnumerable<int> ports) => string.Join(',', ports.Select(port => port.ToString(CultureInfo.InvariantCulture)));
}
