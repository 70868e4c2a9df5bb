using System.Globalization;
using System.Text.Json.Nodes;

namespace Lattice.Mesh.Injector.Tests.Mutation;

/// <summary>
/// A strict RFC 6902 applier for add, replace and remove, as the API server applies a webhook's patch: replace and
/// remove need the target to exist, add needs its parent, array indexes must be in range.
/// </summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonArray patch)
    {
        var result = document.DeepClone();
        foreach (var operation in patch.Select(o => o!.AsObject()))
        {
            var op = (string)operation["op"]!;
            var path = Pointer((string)operation["path"]!);
            if (path.Count == 0)
            {
                result = op == "remove" ? throw new InvalidOperationException("remove of the whole document") : operation["value"]!.DeepClone();
                continue;
            }

            var parent = Resolve(result, path[..^1]);
            var last = path[^1];
            var value = operation.ContainsKey("value") ? operation["value"]?.DeepClone() : null;
            switch (parent, op)
            {
                case (JsonObject o, "add"):
                    o[last] = value;
                    break;
                case (JsonObject o, "replace"):
                    Require(o.ContainsKey(last), operation);
                    o[last] = value;
                    break;
                case (JsonObject o, "remove"):
                    Require(o.Remove(last), operation);
                    break;
                case (JsonArray a, "add"):
                    if (last == "-")
                    {
                        a.Add(value);
                    }
                    else
                    {
                        var index = Index(last, a.Count, operation);
                        a.Insert(index, value);
                    }

                    break;
                case (JsonArray a, "replace"):
                    a[Index(last, a.Count - 1, operation)] = value;
                    break;
                case (JsonArray a, "remove"):
                    a.RemoveAt(Index(last, a.Count - 1, operation));
                    break;
                default:
                    throw new InvalidOperationException($"cannot apply {operation.ToJsonString()}");
            }
        }

        return result;
    }

    /// <summary>The JSON with object members sorted, so two documents compare as text whatever their member order.</summary>
    public static string Canonical(JsonNode? node) => Sorted(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    private static List<string> Pointer(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new InvalidOperationException($"'{pointer}' is not a JSON pointer");
        }

        return [.. pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static JsonNode Resolve(JsonNode node, List<string> path)
    {
        foreach (var segment in path)
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(segment, out var child) && child is not null => child,
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i]!,
                _ => throw new InvalidOperationException($"no '{segment}' in {node.ToJsonString()}"),
            };
        }

        return node;
    }

    private static int Index(string segment, int max, JsonObject operation)
    {
        if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > max || (segment.Length > 1 && segment[0] == '0'))
        {
            throw new InvalidOperationException($"index '{segment}' out of range in {operation.ToJsonString()}");
        }

        return index;
    }

    private static void Require(bool exists, JsonObject operation)
    {
        if (!exists)
        {
            throw new InvalidOperationException($"the target of {operation.ToJsonString()} does not exist");
        }
    }
}
