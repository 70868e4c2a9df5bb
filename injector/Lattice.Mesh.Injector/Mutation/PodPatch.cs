using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>
/// The RFC 6902 JSON patch that turns one pod into another, for the AdmissionReview response. It touches only
/// what differs, down to single members and array elements, so fields this client's models do not know (a newer
/// API server's) survive in the object the API server patches. Arrays of named items (containers, volumes, env)
/// are matched by name, so an inserted container is one <c>add</c> and the others are patched in place.
/// </summary>
public static class PodPatch
{
    public static JsonArray Create(V1Pod original, V1Pod mutated)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(mutated);

        var operations = new JsonArray();
        Diff(JsonNode.Parse(KubernetesJson.Serialize(original)), JsonNode.Parse(KubernetesJson.Serialize(mutated)), "", operations);
        return operations;
    }

    private static void Diff(JsonNode? from, JsonNode? to, string path, JsonArray operations)
    {
        if (JsonNode.DeepEquals(from, to))
        {
            return;
        }

        switch (from, to)
        {
            case (JsonObject fromObject, JsonObject toObject):
                DiffObjects(fromObject, toObject, path, operations);
                break;
            case (JsonArray fromArray, JsonArray toArray):
                DiffArrays(fromArray, toArray, path, operations);
                break;
            default:
                operations.Add(Operation("replace", path, to));
                break;
        }
    }

    private static void DiffObjects(JsonObject from, JsonObject to, string path, JsonArray operations)
    {
        foreach (var (name, _) in from)
        {
            if (!to.ContainsKey(name))
            {
                operations.Add(Operation("remove", Child(path, name)));
            }
        }

        foreach (var (name, value) in to)
        {
            if (from.TryGetPropertyValue(name, out var before))
            {
                Diff(before, value, Child(path, name), operations);
            }
            else
            {
                operations.Add(Operation("add", Child(path, name), value));
            }
        }
    }

    private static void DiffArrays(JsonArray from, JsonArray to, string path, JsonArray operations)
    {
        if (Names(from) is { } fromNames && Names(to) is { } toNames && TryDiffByName(from, fromNames, to, toNames, path, operations))
        {
            return;
        }

        if (from.Count == to.Count)
        {
            for (var i = 0; i < to.Count; i++)
            {
                Diff(from[i], to[i], Child(path, i), operations);
            }

            return;
        }

        operations.Add(Operation("replace", path, to));
    }

    /// <summary>
    /// Removes the items whose names are gone, then walks the new array: a name the old one had is patched in
    /// place, a new name is inserted. Needs the surviving names in the same order in both; false otherwise.
    /// </summary>
    private static bool TryDiffByName(JsonArray from, List<string> fromNames, JsonArray to, List<string> toNames, string path, JsonArray operations)
    {
        var fromIndex = fromNames.Select((name, index) => (name, index)).ToDictionary(item => item.name, item => item.index, StringComparer.Ordinal);
        var toSet = toNames.ToHashSet(StringComparer.Ordinal);
        if (!fromNames.Where(toSet.Contains).SequenceEqual(toNames.Where(fromIndex.ContainsKey), StringComparer.Ordinal))
        {
            return false;
        }

        // From the end, so each index still points at the item it names.
        for (var i = from.Count - 1; i >= 0; i--)
        {
            if (!toSet.Contains(fromNames[i]))
            {
                operations.Add(Operation("remove", Child(path, i)));
            }
        }

        // Before item j, the array's first j items already equal the new array's, and the next survivor sits at j.
        for (var j = 0; j < to.Count; j++)
        {
            if (fromIndex.TryGetValue(toNames[j], out var i))
            {
                Diff(from[i], to[j], Child(path, j), operations);
            }
            else
            {
                operations.Add(Operation("add", Child(path, j), to[j]));
            }
        }

        return true;
    }

    /// <summary>The items' names when every item is an object with a distinct string <c>name</c>; otherwise null.</summary>
    private static List<string>? Names(JsonArray array)
    {
        var names = new List<string>(array.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in array)
        {
            if (item is not JsonObject element
                || !element.TryGetPropertyValue("name", out var name)
                || name is not JsonValue value
                || !value.TryGetValue<string>(out var text)
                || !seen.Add(text))
            {
                return null;
            }

            names.Add(text);
        }

        return names;
    }

    private static JsonObject Operation(string op, string path) => new() { ["op"] = op, ["path"] = path };

    private static JsonObject Operation(string op, string path, JsonNode? value) =>
        new() { ["op"] = op, ["path"] = path, ["value"] = value?.DeepClone() };

    /// <summary>A JSON pointer one level down; '~' and '/' in a member name are escaped as ~0 and ~1 (RFC 6901).</summary>
    private static string Child(string path, string member) =>
        $"{path}/{member.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";

    private static string Child(string path, int index) => $"{path}/{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
