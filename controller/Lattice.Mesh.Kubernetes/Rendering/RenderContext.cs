using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Kubernetes.Rendering;

/// <summary>
/// What <see cref="WorkloadRenderer"/> needs beyond the LatticeService itself: the LatticeService object's uid
/// (the owner of what is rendered), who may call it, and whether the gateway may. Build it with
/// <see cref="For"/> from a compilation.
/// </summary>
public sealed record RenderContext
{
    /// <summary>
    /// <c>metadata.uid</c> of the LatticeService object. With <see cref="LatticeService.ApiVersion"/>,
    /// <see cref="LatticeService.Kind"/> and the service's name it makes the owner reference.
    /// </summary>
    public required string OwnerUid { get; init; }

    /// <summary>The services the agreement graph lets call this one; kept sorted and without duplicates.</summary>
    public required IReadOnlyList<ServiceId> Callers
    {
        get;
        init => field = [.. (value ?? throw new ArgumentNullException(nameof(value))).Distinct().Order()];
    }

    /// <summary>Whether the service has <c>ingress</c>, so that the gateway may call it too.</summary>
    public bool HasIngress { get; init; }

    /// <summary>The gateway: its pods run in this namespace, labelled <c>app.kubernetes.io/name: &lt;name&gt;</c>.</summary>
    public ServiceId Gateway { get; init; } = CompilerOptions.DefaultGateway;

    /// <summary>The trust domain of the SPIFFE ids the mesh issues.</summary>
    public string TrustDomain { get; init; } = SpiffeId.DefaultTrustDomain;

    /// <summary>
    /// The context of <paramref name="service"/> in <paramref name="compilation"/>: its callers from the agreement
    /// graph, its ingress from its spec, and the gateway and trust domain of <paramref name="options"/> (the
    /// options the compilation was made with; the defaults when null).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="service"/> is not in the compilation's graph (e.g. it is defined twice).</exception>
    public static RenderContext For(MeshCompilation compilation, ServiceId service, string ownerUid, CompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        ArgumentException.ThrowIfNullOrEmpty(ownerUid);
        options ??= CompilerOptions.Default;
        if (!compilation.Graph.Contains(service))
        {
            throw new ArgumentException($"LatticeService {service} is not in the compilation's graph; render only services the graph contains", nameof(service));
        }

        return new RenderContext
        {
            OwnerUid = ownerUid,
            Callers = [.. compilation.Graph.Agreements.Where(a => a.Callee == service).Select(a => a.Caller)],
            HasIngress = compilation.Graph[service].Spec.Ingress is not null,
            Gateway = options.Gateway,
            TrustDomain = options.TrustDomain,
        };
    }

    public bool Equals(RenderContext? other) =>
        other is not null
        && OwnerUid == other.OwnerUid
        && Callers.SequenceEqual(other.Callers)
        && HasIngress == other.HasIngress
        && Gateway == other.Gateway
        && TrustDomain == other.TrustDomain;

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(OwnerUid, StringComparer.Ordinal);
        foreach (var caller in Callers)
        {
            hash.Add(caller);
        }

        hash.Add(HasIngress);
        hash.Add(Gateway);
        hash.Add(TrustDomain, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
