using System.Text.RegularExpressions;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.RouteTable;
using YamlDotNet.RepresentationModel;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>
/// Reads the fields of one YAML mapping against what the schema expects, reporting each problem with its
/// field path and fix instead of stopping. Every key asked for is "known"; <see cref="RejectUnknown"/> then
/// reports the keys nobody asked for, with the closest known one as a suggestion.
/// </summary>
internal sealed partial class MappingReader
{
    private readonly ManifestContext _context;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public MappingReader(ManifestContext context, YamlMappingNode node, string path)
    {
        _context = context;
        Node = node;
        Path = path;
        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode { Value: { } name })
            {
                _entries[name] = (key, value);
            }
            else
            {
                context.Error(DiagnosticIds.WrongType, key, path, "a key is not a plain name", "use plain text keys");
            }
        }
    }

    public YamlMappingNode Node { get; }

    public string Path { get; }

    /// <summary>The path of a child field: <c>spec.ports</c>, or <c>spec.containers.main.volumes["/config"]</c> for keys that are not names.</summary>
    public static string Child(string path, string key)
    {
        var segment = SimpleKey().IsMatch(key) ? key : $"[\"{key}\"]";
        return path.Length == 0 ? segment : segment[0] == '[' ? path + segment : $"{path}.{segment}";
    }

    public string ChildPath(string key) => Child(Path, key);

    /// <summary>The value of <paramref name="key"/> (null when absent or written empty); records the key as known.</summary>
    public YamlNode? Get(string key)
    {
        _known.Add(key);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        _context.Locations[ChildPath(key)] = _context.LocationOf(entry.Key);
        return YamlScalars.KindOf(entry.Value) == YamlScalars.Kind.Null ? null : entry.Value;
    }

    public bool Has(string key) => _entries.ContainsKey(key) && Get(key) is not null;

    /// <summary>Reports a required field that is absent.</summary>
    public void Missing(string key, string fix) =>
        _context.Error(DiagnosticIds.MissingField, Node, ChildPath(key), "is required but missing", fix);

    public string? String(string key, bool required = false, string? fix = null)
    {
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Missing(key, fix ?? $"add {key}");
            }

            return null;
        }

        return AsString(node, ChildPath(key));
    }

    public string? AsString(YamlNode node, string path)
    {
        if (YamlScalars.KindOf(node) == YamlScalars.Kind.String)
        {
            return ((YamlScalarNode)node).Value;
        }

        var hint = node is YamlScalarNode scalar ? $"quote it: \"{scalar.Value}\"" : "write a single text value";
        _context.Error(DiagnosticIds.WrongType, node, path, $"expected a string, got {YamlScalars.Describe(node)}", hint);
        return null;
    }

    /// <summary>A DNS-1123 label (names that become Kubernetes object names).</summary>
    public string? Name(string key, bool required = false, string? fix = null)
    {
        var value = String(key, required, fix);
        if (value is not null && !Names.IsDnsLabel(value))
        {
            _context.Error(DiagnosticIds.InvalidName, Get(key), ChildPath(key), $"'{value}' is not a valid name", Names.DnsLabelRule);
            return null;
        }

        return value;
    }

    public int? Int(string key, int min, int max, bool required = false, string? fix = null)
    {
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Missing(key, fix ?? $"add {key}: <a number from {min} to {max}>");
            }

            return null;
        }

        return AsInt(node, ChildPath(key), min, max);
    }

    public int? AsInt(YamlNode node, string path, int min, int max)
    {
        if (!YamlScalars.TryGetInteger(node, out var value))
        {
            var hint = node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted }
                ? "remove the quotes: numbers are written bare"
                : $"write a whole number from {min} to {max}";
            _context.Error(DiagnosticIds.WrongType, node, path, $"expected a whole number, got {YamlScalars.Describe(node)}", hint);
            return null;
        }

        if (value < min || value > max)
        {
            _context.Error(DiagnosticIds.OutOfRange, node, path, $"{value} is outside {min} to {max}", $"use a number from {min} to {max}");
            return null;
        }

        return (int)value;
    }

    public bool? Bool(string key)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }

        if (YamlScalars.KindOf(node) != YamlScalars.Kind.Boolean)
        {
            _context.Error(DiagnosticIds.WrongType, node, ChildPath(key), $"expected true or false, got {YamlScalars.Describe(node)}", "write true or false, without quotes");
            return null;
        }

        return YamlScalars.IsTrue((YamlScalarNode)node);
    }

    public TimeSpan? Duration(string key)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }

        var text = (node as YamlScalarNode)?.Value;
        if (node is not YamlScalarNode || !GoDuration.TryParse(text, out var value))
        {
            var fix = YamlScalars.KindOf(node) == YamlScalars.Kind.Integer ? $"add a unit: {text}s for seconds" : GoDuration.Syntax;
            _context.Error(DiagnosticIds.InvalidDuration, node, ChildPath(key), $"{YamlScalars.Describe(node)} is not a duration", fix);
            return null;
        }

        if (value <= TimeSpan.Zero)
        {
            _context.Error(DiagnosticIds.OutOfRange, node, ChildPath(key), "must be longer than zero", $"give a duration such as 10s, or remove {key}");
            return null;
        }

        return value;
    }

    public string? QuantityValue(YamlNode node, string path)
    {
        var text = (node as YamlScalarNode)?.Value;
        var kind = YamlScalars.KindOf(node);
        if (kind is not (YamlScalars.Kind.String or YamlScalars.Kind.Integer or YamlScalars.Kind.Float) || !Quantity.IsValid(text))
        {
            _context.Error(DiagnosticIds.InvalidQuantity, node, path, $"{YamlScalars.Describe(node)} is not a quantity", Quantity.Syntax);
            return null;
        }

        return text;
    }

    public string? QuantityField(string key, bool required = false, string? fix = null)
    {
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Missing(key, fix ?? $"add {key}, e.g. {key}: 10Gi");
            }

            return null;
        }

        return QuantityValue(node, ChildPath(key));
    }

    /// <summary>One of <paramref name="values"/>' keys, matched exactly; a near miss is suggested.</summary>
    public T? Enum<T>(string key, IReadOnlyDictionary<string, T> values, bool required = false)
        where T : struct =>
        TryChoose(key, values, required, out var value) ? value : null;

    /// <summary>One of <paramref name="values"/>, matched exactly; a near miss is suggested.</summary>
    public string? OneOf(string key, IReadOnlyDictionary<string, string> values, bool required = false) =>
        TryChoose(key, values, required, out var value) ? value : null;

    public T? AsEnum<T>(YamlNode node, string path, IReadOnlyDictionary<string, T> values)
        where T : struct =>
        TryChooseNode(node, path, values, out var value) ? value : null;

    private bool TryChoose<T>(string key, IReadOnlyDictionary<string, T> values, bool required, out T value)
    {
        value = default!;
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Missing(key, $"add {key}: one of {string.Join(", ", values.Keys)}");
            }

            return false;
        }

        return TryChooseNode(node, ChildPath(key), values, out value);
    }

    private bool TryChooseNode<T>(YamlNode node, string path, IReadOnlyDictionary<string, T> values, out T value)
    {
        value = default!;
        var text = YamlScalars.KindOf(node) is YamlScalars.Kind.String or YamlScalars.Kind.Integer or YamlScalars.Kind.Boolean
            ? ((YamlScalarNode)node).Value ?? string.Empty
            : null;
        if (text is not null && values.TryGetValue(text, out var found))
        {
            value = found;
            return true;
        }

        var suggestion = text is null ? null : Suggestions.Closest(text, values.Keys);
        var fix = suggestion is not null
            ? $"did you mean '{suggestion}'? Use one of {string.Join(", ", values.Keys)}"
            : $"use one of {string.Join(", ", values.Keys)}";
        _context.Error(DiagnosticIds.InvalidValue, node, path, $"{YamlScalars.Describe(node)} is not allowed here", fix);
        return false;
    }

    public MappingReader? Mapping(string key, bool required = false, string? fix = null)
    {
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Missing(key, fix ?? $"add {key}:");
            }

            return null;
        }

        return AsMapping(node, ChildPath(key));
    }

    public MappingReader? AsMapping(YamlNode node, string path)
    {
        if (node is YamlMappingNode mapping)
        {
            return new MappingReader(_context, mapping, path);
        }

        _context.Error(DiagnosticIds.WrongType, node, path, $"expected a mapping (key: value pairs), got {YamlScalars.Describe(node)}", "write it as indented key: value lines, or {key: value}");
        return null;
    }

    /// <summary>The entries of a mapping field whose keys are user-chosen names (containers, ports, resources...).</summary>
    public IEnumerable<(string Key, YamlNode Value, string Path)> Entries(string key)
    {
        var mapping = Mapping(key);
        if (mapping is null)
        {
            yield break;
        }

        foreach (var (name, (keyNode, value)) in mapping._entries)
        {
            var path = mapping.ChildPath(name);
            _context.Locations[path] = _context.LocationOf(keyNode);
            yield return (name, value, path);
        }
    }

    public IReadOnlyList<string>? StringList(string key)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlSequenceNode sequence)
        {
            _context.Error(DiagnosticIds.WrongType, node, ChildPath(key), $"expected a list, got {YamlScalars.Describe(node)}", $"write a list: {key}: [a, b]");
            return null;
        }

        var items = new List<string>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (AsString(sequence.Children[i], $"{ChildPath(key)}[{i}]") is { } item)
            {
                items.Add(item);
            }
        }

        return items;
    }

    /// <summary>The nodes of a list field, each with its path.</summary>
    public IEnumerable<(YamlNode Value, string Path)> Items(string key)
    {
        var node = Get(key);
        if (node is null)
        {
            yield break;
        }

        if (node is not YamlSequenceNode sequence)
        {
            _context.Error(DiagnosticIds.WrongType, node, ChildPath(key), $"expected a list, got {YamlScalars.Describe(node)}", $"write a list: {key}: [a, b]");
            yield break;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            yield return (sequence.Children[i], $"{ChildPath(key)}[{i}]");
        }
    }

    /// <summary>Reports every key that no reader asked for, suggesting the closest known one.</summary>
    public void RejectUnknown()
    {
        foreach (var (name, (keyNode, _)) in _entries)
        {
            if (_known.Contains(name))
            {
                continue;
            }

            var suggestion = Suggestions.Closest(name, _known);
            var fix = suggestion is not null
                ? $"did you mean '{suggestion}'? Known fields here: {string.Join(", ", _known)}"
                : _known.Count > 0 ? $"remove it; known fields here: {string.Join(", ", _known)}" : "remove it";
            _context.Error(DiagnosticIds.UnknownField, keyNode, ChildPath(name), $"unknown field '{name}'", fix);
        }
    }

    /// <summary>Reports <paramref name="key"/> as not allowed in this context, when present.</summary>
    public void Forbid(string key, string why, string fix)
    {
        _known.Add(key);
        if (_entries.TryGetValue(key, out var entry))
        {
            _context.Error(DiagnosticIds.ConflictingFields, entry.Key, ChildPath(key), why, fix);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SimpleKey();
}
