using System.Globalization;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Cli.Rendering;

/// <summary>Policies in the words of the seed's L7 table: "3 attempts, 5xx/connect-failure", "30s", "1000/min".</summary>
internal static class PolicyText
{
    public const string None = "-";

    public static string Retries(RetryPolicy? retries)
    {
        if (retries is null)
        {
            return None;
        }

        var text = $"{retries.Attempts} attempts, {string.Join('/', retries.RetryOn.Select(Condition))}";
        return retries.PerTryTimeout is { } perTry ? $"{text}, {GoDuration.Format(perTry)} per try" : text;
    }

    public static string Timeout(TimeoutPolicy? timeout)
    {
        if (timeout is null || (timeout.Request is null && timeout.Idle is null))
        {
            return None;
        }

        var parts = new List<string>(2);
        if (timeout.Request is { } request)
        {
            parts.Add(GoDuration.Format(request));
        }

        if (timeout.Idle is { } idle)
        {
            parts.Add($"idle {GoDuration.Format(idle)}");
        }

        return string.Join(", ", parts);
    }

    public static string RateLimit(RateLimitSpec? limit)
    {
        if (limit is null)
        {
            return None;
        }

        var per = limit.IntervalSeconds switch
        {
            1 => "s",
            60 => "min",
            3600 => "h",
            86400 => "day",
            var seconds => string.Create(CultureInfo.InvariantCulture, $"{seconds}s"),
        };
        var text = string.Create(CultureInfo.InvariantCulture, $"{limit.RequestsPerInterval}/{per}");
        return limit.Burst is { } burst && burst != limit.RequestsPerInterval
            ? string.Create(CultureInfo.InvariantCulture, $"{text}, burst {burst}")
            : text;
    }

    public static string Condition(RetryCondition condition) => RetryConditionNames.Name(condition);

    /// <summary>A service's label from the viewpoint of a whole graph: bare names when it has one namespace.</summary>
    public static Func<ServiceId, string> Labeller(IReadOnlyList<ServiceId> services)
    {
        var oneNamespace = services.Select(s => s.Namespace).Distinct().Count() <= 1;
        return id => oneNamespace ? id.Name : id.ToString();
    }
}
