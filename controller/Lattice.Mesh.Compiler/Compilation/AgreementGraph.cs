using System.Collections.Frozen;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>
/// The mesh's agreements: which services may call which (both sides declared it), which declarations are
/// one-sided, and for any pair, why a call is allowed or denied.
/// </summary>
public sealed class AgreementGraph
{
    private readonly FrozenDictionary<ServiceId, LatticeService> _services;
    private readonly IReadOnlyDictionary<(ServiceId Caller, ServiceId Callee), ServiceDependency> _outbound;
    private readonly IReadOnlyDictionary<(ServiceId Caller, ServiceId Callee), ServiceDependency> _inbound;

    internal AgreementGraph(
        FrozenDictionary<ServiceId, LatticeService> services,
        IReadOnlyDictionary<(ServiceId Caller, ServiceId Callee), ServiceDependency> outbound,
        IReadOnlyDictionary<(ServiceId Caller, ServiceId Callee), ServiceDependency> inbound,
        IReadOnlyList<Agreement> agreements,
        IReadOnlyList<PendingAgreement> pending)
    {
        _services = services;
        _outbound = outbound;
        _inbound = inbound;
        Services = [.. services.Keys.Order()];
        Agreements = agreements;
        Pending = pending;
    }

    /// <summary>Every service in the graph, sorted by namespace and name.</summary>
    public IReadOnlyList<ServiceId> Services { get; }

    /// <summary>The live edges, sorted by caller then callee.</summary>
    public IReadOnlyList<Agreement> Agreements { get; }

    /// <summary>The one-sided declarations, sorted by caller then callee.</summary>
    public IReadOnlyList<PendingAgreement> Pending { get; }

    public LatticeService this[ServiceId id] => _services[id];

    public bool Contains(ServiceId id) => _services.ContainsKey(id);

    /// <summary>Whether <paramref name="caller"/> may call <paramref name="callee"/>, and why.</summary>
    public Decision Explain(ServiceId caller, ServiceId callee)
    {
        if (!_services.TryGetValue(caller, out var callerService))
        {
            return new Decision(false, $"there is no LatticeService {caller}", $"create LatticeService {caller}");
        }

        if (!_services.TryGetValue(callee, out var calleeService))
        {
            return new Decision(false, $"there is no LatticeService {callee}", $"create LatticeService {callee}");
        }

        var hasOutbound = _outbound.ContainsKey((caller, callee));
        var hasInbound = _inbound.ContainsKey((caller, callee));
        if (hasOutbound && hasInbound)
        {
            return new Decision(true, $"{Phrases.Label(caller, callee)} declares outbound to {Phrases.Label(callee, caller)} and {Phrases.Label(callee, caller)} declares inbound from {Phrases.Label(caller, callee)}", null);
        }

        var reasons = new List<string>(2);
        var fixes = new List<string>(2);
        if (!hasOutbound)
        {
            reasons.Add(Phrases.NoOutbound(caller, callee));
            fixes.Add(Phrases.AddOutboundFix(caller, callee, callerService));
        }

        if (!hasInbound)
        {
            reasons.Add(Phrases.NoInbound(caller, callee));
            fixes.Add(Phrases.AddInboundFix(caller, callee, calleeService));
        }

        return new Decision(false, string.Join(" and ", reasons), string.Join("; and ", fixes));
    }
}
