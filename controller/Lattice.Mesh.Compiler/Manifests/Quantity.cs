using System.Text.RegularExpressions;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>Kubernetes resource quantities (<c>500Gi</c>, <c>100m</c>, <c>1.5</c>): the grammar of apimachinery's resource.Quantity.</summary>
internal static partial class Quantity
{
    public const string Syntax = "write a Kubernetes quantity: a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, m, k, M, G, T, P, E), such as 500Gi, 256Mi or 100m";

    public static bool IsValid(string? text) => text is not null && Pattern().IsMatch(text);

    [GeneratedRegex("^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
