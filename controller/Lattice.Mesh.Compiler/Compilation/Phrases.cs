using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>The wording of reasons and fixes, in one place so that the CLI, status and sidecars say the same thing.</summary>
internal static class Phrases
{
    /// <summary>A service's name as seen from <paramref name="other"/>: bare in the same namespace, namespace/name across.</summary>
    public static string Label(ServiceId service, ServiceId other) =>
        service.Namespace == other.Namespace ? service.Name : service.ToString();

    public static string NoOutbound(ServiceId caller, ServiceId callee) =>
        caller == callee ? $"{caller.Name} declares no outbound to itself" : $"{Label(caller, callee)} declares no outbound to {Label(callee, caller)}";

    public static string NoInbound(ServiceId caller, ServiceId callee) =>
        caller == callee ? $"{callee.Name} declares no inbound from itself" : $"{Label(callee, caller)} declares no inbound from {Label(caller, callee)}";

    public static string Missing(ServiceId service) => $"there is no LatticeService {service}";

    /// <summary>What the caller must add (or change) so that it declares the callee outbound.</summary>
    public static string AddOutboundFix(ServiceId caller, ServiceId callee, LatticeService? callerService) =>
        DeclarationFix(declaring: caller, other: callee, callerService, Direction.Outbound);

    /// <summary>What the callee must add (or change) so that it declares the caller inbound.</summary>
    public static string AddInboundFix(ServiceId caller, ServiceId callee, LatticeService? calleeService) =>
        DeclarationFix(declaring: callee, other: caller, calleeService, Direction.Inbound);

    public static string CreateServiceFix(ServiceId missing, ServiceId declaredBy, Direction needed) =>
        $"create LatticeService {missing} with resources.{declaredBy.Name} {Snippet(needed, missing, declaredBy)}, or remove the declaration from {declaredBy}";

    private static string DeclarationFix(ServiceId declaring, ServiceId other, LatticeService? declaringService, Direction needed)
    {
        var where = declaring.ToString();
        if (declaringService?.Spec.Resources.TryGetValue(other.Name, out var existing) == true
            && existing is ServiceDependency dependency
            && (dependency.Namespace ?? declaring.Namespace) == other.Namespace)
        {
            var current = dependency.Direction.ToString().ToLowerInvariant();
            return $"change resources.{other.Name}.direction from {current} to both on {where}";
        }

        return $"add resources.{other.Name} {Snippet(needed, declaring, other)} to {where}";
    }

    private static string Snippet(Direction direction, ServiceId declaring, ServiceId other)
    {
        var namespacePart = declaring.Namespace == other.Namespace ? string.Empty : $", namespace: {other.Namespace}";
        return $"{{type: service, direction: {direction.ToString().ToLowerInvariant()}{namespacePart}}}";
    }
}
