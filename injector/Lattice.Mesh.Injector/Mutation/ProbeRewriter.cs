using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>
/// Keeps the app's HTTP and TCP probes working under iptables capture. The kubelet probes the pod's IP, which
/// capture sends to the proxy's mutual-TLS inbound listener, where a plain probe fails. So, as Istio does, each
/// such probe becomes an httpGet on the proxy's admin port, <c>/app-health/&lt;container&gt;/&lt;kind&gt;</c>, and the
/// proxy, told the original probes, performs them from inside the pod.
/// </summary>
internal static class ProbeRewriter
{
    /// <summary>Rewrites the probes of <paramref name="containers"/> in place; returns the originals, keyed by their new paths.</summary>
    public static JsonObject Rewrite(IEnumerable<V1Container> containers, List<string> warnings)
    {
        var originals = new JsonObject();
        foreach (var container in containers)
        {
            Rewrite(container, container.LivenessProbe, "liveness", "livez", originals, warnings);
            Rewrite(container, container.ReadinessProbe, "readiness", "readyz", originals, warnings);
            Rewrite(container, container.StartupProbe, "startup", "startupz", originals, warnings);
        }

        return originals;
    }

    private static void Rewrite(V1Container container, V1Probe? probe, string kind, string endpoint, JsonObject originals, List<string> warnings)
    {
        if (probe is null)
        {
            return;
        }

        if (probe.Grpc is not null)
        {
            warnings.Add($"container '{container.Name}': its gRPC {kind} probe is not rewritten and will fail under iptables capture; use an httpGet or tcpSocket probe, or annotate the pod {InjectorAnnotations.Capture}: {InjectorAnnotations.CaptureProxyEnv}.");
            return;
        }

        JsonObject original;
        if (probe.HttpGet is { } http)
        {
            // A probe of another host never enters the pod's network namespace, so capture does not touch it.
            if (!string.IsNullOrEmpty(http.Host) || Resolve(container, http.Port, kind, warnings) is not { } port)
            {
                return;
            }

            var httpGet = new JsonObject
            {
                ["path"] = string.IsNullOrEmpty(http.Path) ? "/" : http.Path,
                ["port"] = port,
                ["scheme"] = string.IsNullOrEmpty(http.Scheme) ? "HTTP" : http.Scheme,
            };
            if (http.HttpHeaders is { Count: > 0 } headers)
            {
                httpGet["httpHeaders"] = new JsonArray([.. headers.Select(header => (JsonNode)new JsonObject { ["name"] = header.Name, ["value"] = header.Value })]);
            }

            original = new JsonObject { ["httpGet"] = httpGet };
        }
        else if (probe.TcpSocket is { } tcp)
        {
            if (!string.IsNullOrEmpty(tcp.Host) || Resolve(container, tcp.Port, kind, warnings) is not { } port)
            {
                return;
            }

            original = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = port } };
        }
        else
        {
            // exec probes run inside the container and never cross the network.
            return;
        }

        if (probe.TimeoutSeconds is { } timeout)
        {
            // The proxy gives the app as long as the kubelet would have.
            original["timeoutSeconds"] = timeout;
        }

        var path = $"{SidecarLayout.AppHealthPath}/{container.Name}/{endpoint}";
        originals[path] = original;
        probe.HttpGet = new V1HTTPGetAction { Path = path, Port = SidecarLayout.AdminPort, Scheme = "HTTP" };
        probe.TcpSocket = null;
    }

    /// <summary>The probe's port as a number: a named port is looked up in the container's own ports.</summary>
    private static int? Resolve(V1Container container, IntOrString? port, string kind, List<string> warnings)
    {
        var value = port?.Value;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        if (container.Ports?.FirstOrDefault(declared => string.Equals(declared.Name, value, StringComparison.Ordinal)) is { } named)
        {
            return named.ContainerPort;
        }

        warnings.Add($"container '{container.Name}': its {kind} probe names port '{value}', which the container does not declare; the probe is left as it is and will fail under iptables capture. Declare the port in the container's ports or use its number.");
        return null;
    }
}
