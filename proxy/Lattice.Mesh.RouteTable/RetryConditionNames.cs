using System.Collections.Frozen;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// The names of <see cref="RetryCondition"/> as manifests, route tables and people write them (Istio's
/// <c>retryOn</c> vocabulary). The enum's JSON attributes must repeat them for source generation; a test
/// keeps the two in agreement.
/// </summary>
public static class RetryConditionNames
{
    private static readonly (string Name, RetryCondition Condition)[] Ordered =
    [
        ("5xx", RetryCondition.ServerError),
        ("gateway-error", RetryCondition.GatewayError),
        ("connect-failure", RetryCondition.ConnectFailure),
        ("reset", RetryCondition.Reset),
        ("retriable-4xx", RetryCondition.Retriable4xx),
    ];

    /// <summary>Every condition by name.</summary>
    public static FrozenDictionary<string, RetryCondition> ByName { get; } = Ordered.ToFrozenDictionary(p => p.Name, p => p.Condition, StringComparer.Ordinal);

    /// <summary>"5xx, gateway-error, connect-failure, reset, retriable-4xx", in the order documentation lists them, for messages.</summary>
    public static string All { get; } = string.Join(", ", Ordered.Select(p => p.Name));

    private static readonly FrozenDictionary<RetryCondition, string> Names = Ordered.ToFrozenDictionary(p => p.Condition, p => p.Name);

    /// <summary>The name of <paramref name="condition"/>; the number for a value this build does not know.</summary>
    public static string Name(RetryCondition condition) => Names.TryGetValue(condition, out var name) ? name : ((int)condition).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
