using System.Globalization;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>What the injector puts into every pod it meshes. Bound from configuration at start-up and checked with <see cref="Validate"/>.</summary>
public sealed record InjectorSettings
{
    /// <summary>The lattice-proxy image; it serves as the sidecar and as the capture init container.</summary>
    public required string ProxyImage { get; init; }

    /// <summary>Where the sidecar asks for its certificate and its route table.</summary>
    public string ControllerAddress { get; init; } = "https://lattice-controller.lattice-system.svc:15012";

    /// <summary>The proxy's user and group id; the iptables rules let this user's traffic out uncaptured.</summary>
    public long ProxyUid { get; init; } = 1337;

    /// <summary>
    /// Kubernetes 1.29 and later: the proxy is an init container with <c>restartPolicy: Always</c>, started before
    /// the app and stopped after it. Off: the proxy is the first container and holds the app back with postStart.
    /// </summary>
    public bool NativeSidecars { get; init; } = true;

    /// <summary>The capture of a pod without the <c>lattice.dev/capture</c> annotation: "iptables" or "proxy-env".</summary>
    public string DefaultCapture { get; init; } = InjectorAnnotations.CaptureIptables;

    /// <summary>The proxy's CPU request; null for none. Overridable per pod with <c>lattice.dev/proxy-cpu</c>.</summary>
    public string? ProxyCpuRequest { get; init; } = "50m";

    /// <summary>The proxy's memory request; null for none. Overridable per pod with <c>lattice.dev/proxy-memory</c>.</summary>
    public string? ProxyMemoryRequest { get; init; } = "64Mi";

    /// <summary>The proxy's CPU limit; none by default (throttling a proxy adds latency to every request).</summary>
    public string? ProxyCpuLimit { get; init; }

    /// <summary>The proxy's memory limit; null for none. Overridable per pod with <c>lattice.dev/proxy-memory-limit</c>.</summary>
    public string? ProxyMemoryLimit { get; init; } = "256Mi";

    /// <summary>
    /// The OpenTelemetry collector every sidecar sends its spans to, by its OTLP/HTTP base address (such as
    /// <c>http://otel-collector.monitoring:4318</c>). Null, the default: sidecars make no spans and pass the apps'
    /// trace context through untouched.
    /// </summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>Every problem with these settings, each naming the setting and the fix; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ProxyImage))
        {
            errors.Add("ProxyImage is empty; set it to the lattice-proxy image, e.g. 'ghcr.io/lattice-mesh/proxy:1.0.0'.");
        }

        if (!Uri.TryCreate(ControllerAddress, UriKind.Absolute, out var controller) || controller.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"ControllerAddress '{ControllerAddress}' is not an absolute https URL; set it to the controller's Service, e.g. 'https://lattice-controller.lattice-system.svc:15012'.");
        }

        if (OtlpEndpoint is not null && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var collector) && collector.Scheme is "http" or "https"))
        {
            errors.Add($"OtlpEndpoint '{OtlpEndpoint}' is not an absolute http or https URL; set it to the collector's OTLP/HTTP address, e.g. 'http://otel-collector.monitoring:4318', or leave it unset for no spans.");
        }

        if (ProxyUid <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"ProxyUid {ProxyUid} is not a non-root user id; the proxy runs as non-root: use a positive id such as 1337."));
        }

        if (DefaultCapture is not (InjectorAnnotations.CaptureIptables or InjectorAnnotations.CaptureProxyEnv))
        {
            errors.Add($"DefaultCapture '{DefaultCapture}' is not a capture; use '{InjectorAnnotations.CaptureIptables}' or '{InjectorAnnotations.CaptureProxyEnv}'.");
        }

        CheckQuantity(nameof(ProxyCpuRequest), ProxyCpuRequest, errors);
        CheckQuantity(nameof(ProxyMemoryRequest), ProxyMemoryRequest, errors);
        CheckQuantity(nameof(ProxyCpuLimit), ProxyCpuLimit, errors);
        CheckQuantity(nameof(ProxyMemoryLimit), ProxyMemoryLimit, errors);
        CheckOrder(nameof(ProxyCpuRequest), ProxyCpuRequest, nameof(ProxyCpuLimit), ProxyCpuLimit, errors);
        CheckOrder(nameof(ProxyMemoryRequest), ProxyMemoryRequest, nameof(ProxyMemoryLimit), ProxyMemoryLimit, errors);
        return errors;
    }

    private static void CheckQuantity(string setting, string? value, List<string> errors)
    {
        if (value is not null && ProxyResources.Parse(value) is null)
        {
            errors.Add($"{setting} '{value}' is not a Kubernetes quantity; write it as e.g. '100m' for CPU or '128Mi' for memory, or leave it unset for none.");
        }
    }

    private static void CheckOrder(string requestSetting, string? request, string limitSetting, string? limit, List<string> errors)
    {
        if (request is not null && limit is not null
            && ProxyResources.Parse(request) is { } requested && ProxyResources.Parse(limit) is { } limited
            && requested.Value > limited.Value)
        {
            errors.Add($"{requestSetting} '{request}' is above {limitSetting} '{limit}'; Kubernetes refuses such a pod: lower the request or raise the limit.");
        }
    }
}
