using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>
/// What a YAML node is, under the YAML 1.2 core schema that Kubernetes' structural schemas apply: a plain
/// <c>1000</c> is a number and a quoted <c>"1000"</c> a string, so a field is typed exactly as kubectl types it.
/// </summary>
internal static partial class YamlScalars
{
    public enum Kind
    {
        Null,
        Boolean,
        Integer,
        Float,
        String,
        Mapping,
        Sequence,
    }

    public static Kind KindOf(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode:
                return Kind.Mapping;
            case YamlSequenceNode:
                return Kind.Sequence;
            case YamlScalarNode scalar when scalar.Style is ScalarStyle.Plain or ScalarStyle.Any:
                var value = scalar.Value ?? string.Empty;
                if (value is "" or "~" or "null" or "Null" or "NULL")
                {
                    return Kind.Null;
                }

                if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                {
                    return Kind.Boolean;
                }

                if (IntegerPattern().IsMatch(value))
                {
                    return Kind.Integer;
                }

                return FloatPattern().IsMatch(value) ? Kind.Float : Kind.String;
            default:
                return Kind.String;
        }
    }

    public static string Describe(YamlNode node) => KindOf(node) switch
    {
        Kind.Null => "nothing",
        Kind.Boolean => $"the boolean {((YamlScalarNode)node).Value}",
        Kind.Integer or Kind.Float => $"the number {((YamlScalarNode)node).Value}",
        Kind.String => $"the string \"{Truncate(((YamlScalarNode)node).Value ?? string.Empty)}\"",
        Kind.Mapping => "a mapping (key: value pairs)",
        _ => "a list",
    };

    public static bool TryGetInteger(YamlNode node, out long value)
    {
        value = 0;
        return KindOf(node) == Kind.Integer
            && long.TryParse(((YamlScalarNode)node).Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool IsTrue(YamlScalarNode node) => node.Value is "true" or "True" or "TRUE";

    private static string Truncate(string value) => value.Length <= 60 ? value : value[..57] + "...";

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
