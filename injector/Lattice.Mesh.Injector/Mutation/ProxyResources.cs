using System.Text.RegularExpressions;
using k8s.Models;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>The proxy's requests and limits: the settings' defaults, overridden by the pod's annotations where they are valid.</summary>
internal static partial class ProxyResources
{
    private const string Cpu = "cpu";
    private const string Memory = "memory";

    /// <summary>A quantity as Kubernetes writes it, negative ones excluded: a resource cannot be below zero.</summary>
    [GeneratedRegex(@"^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    /// <summary>The quantity and its value, or null when <paramref name="text"/> is not a non-negative Kubernetes quantity.</summary>
    public static (ResourceQuantity Quantity, decimal Value)? Parse(string text)
    {
        var trimmed = text.Trim();
        if (!QuantityPattern().IsMatch(trimmed))
        {
            return null;
        }

        try
        {
            var quantity = new ResourceQuantity(trimmed);
            return (quantity, quantity.ToDecimal());
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    public static V1ResourceRequirements Resolve(IDictionary<string, string> annotations, InjectorSettings settings, List<string> warnings)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        Resolve(Cpu, annotations, (InjectorAnnotations.ProxyCpu, settings.ProxyCpuRequest), (InjectorAnnotations.ProxyCpuLimit, settings.ProxyCpuLimit), requests, limits, warnings);
        Resolve(Memory, annotations, (InjectorAnnotations.ProxyMemory, settings.ProxyMemoryRequest), (InjectorAnnotations.ProxyMemoryLimit, settings.ProxyMemoryLimit), requests, limits, warnings);
        return new V1ResourceRequirements
        {
            Requests = requests.Count > 0 ? requests : null,
            Limits = limits.Count > 0 ? limits : null,
        };
    }

    private static void Resolve(
        string resource,
        IDictionary<string, string> annotations,
        (string Annotation, string? Default) request,
        (string Annotation, string? Default) limit,
        Dictionary<string, ResourceQuantity> requests,
        Dictionary<string, ResourceQuantity> limits,
        List<string> warnings)
    {
        var requested = Pick(annotations, request.Annotation, request.Default, warnings);
        var limited = Pick(annotations, limit.Annotation, limit.Default, warnings);
        if (requested is { } r && limited is { } l && r.Value > l.Value)
        {
            // Kubernetes refuses a request above its limit. An explicit limit holds and the request comes down to
            // it; a default limit gives way to an explicit request.
            if (l.FromAnnotation)
            {
                warnings.Add($"the proxy's {resource} request {r.Quantity} is above the limit {l.Quantity} that {limit.Annotation} sets; the request is lowered to {l.Quantity}.");
                requested = l with { FromAnnotation = false };
            }
            else
            {
                warnings.Add($"the proxy's {resource} request {r.Quantity} from {request.Annotation} is above the default limit {l.Quantity}; the limit is raised to {r.Quantity}. Set {limit.Annotation} to choose another.");
                limited = r with { FromAnnotation = false };
            }
        }

        if (requested is { } finalRequest)
        {
            requests[resource] = finalRequest.Quantity;
        }

        if (limited is { } finalLimit)
        {
            limits[resource] = finalLimit.Quantity;
        }
    }

    private static Choice? Pick(IDictionary<string, string> annotations, string annotation, string? fallback, List<string> warnings)
    {
        if (annotations.TryGetValue(annotation, out var text))
        {
            if (Parse(text) is { } chosen)
            {
                return new Choice(chosen.Quantity, chosen.Value, FromAnnotation: true);
            }

            warnings.Add($"{annotation}: \"{text}\" is not a Kubernetes quantity (e.g. '100m', '128Mi'); the proxy keeps its default{(fallback is null ? " of none" : $" {fallback}")}.");
        }

        // Settings are validated before any pod is injected, so the default parses.
        return fallback is not null && Parse(fallback) is { } parsed ? new Choice(parsed.Quantity, parsed.Value, FromAnnotation: false) : null;
    }

    private sealed record Choice(ResourceQuantity Quantity, decimal Value, bool FromAnnotation);
}
