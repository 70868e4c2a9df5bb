using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lattice.Mesh.Proxy.Admin;

/// <summary>
/// The app's original probes, from <c>LATTICE_APP_PROBES</c>: a JSON object mapping each
/// <c>/app-health/&lt;container&gt;/&lt;livez|readyz|startupz&gt;</c> path to the probe it replaces,
/// <c>{"httpGet": {"path": "/ping", "port": 8989, "scheme": "HTTP"}}</c> or <c>{"tcpSocket": {"port": 5432}}</c>
/// (optionally with <c>"timeoutSeconds"</c>). Anything invalid refuses the whole set: every probe then fails
/// closed with the reason, rather than some passing on a guess.
/// </summary>
internal sealed partial class AppProbeSet
{
    public const string Prefix = "/app-health/";
    public const string Variable = "LATTICE_APP_PROBES";

    private AppProbeSet(FrozenDictionary<string, AppProbe> probes, string? error, bool configured)
    {
        Probes = probes;
        Error = error;
        Configured = configured;
    }

    /// <summary>The probes by path; empty when none are configured or the configuration was refused.</summary>
    public FrozenDictionary<string, AppProbe> Probes { get; }

    /// <summary>Why the configuration was refused (every problem), or null.</summary>
    public string? Error { get; }

    /// <summary>False when the variable was not set: the injector rewrote no probe.</summary>
    public bool Configured { get; }

    public static AppProbeSet Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new AppProbeSet(FrozenDictionary<string, AppProbe>.Empty, null, configured: false);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return Refused($"{Variable} is not valid JSON ({e.Message}); the injector should set it to an object such as {{\"/app-health/app/readyz\": {{\"httpGet\": {{\"path\": \"/ready\", \"port\": 8080}}}}}}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Refused($"{Variable} is a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}; it must be an object mapping /app-health/<container>/<livez|readyz|startupz> to a probe");
            }

            var errors = new List<string>();
            var probes = new Dictionary<string, AppProbe>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (!ProbePath().IsMatch(entry.Name))
                {
                    errors.Add($"'{entry.Name}' is not a probe path; use /app-health/<container>/livez, /readyz or /startupz");
                    continue;
                }

                if (ParseProbe(entry.Name, entry.Value, errors) is { } probe && !probes.TryAdd(entry.Name, probe))
                {
                    errors.Add($"'{entry.Name}' is given twice; give each path once");
                }
            }

            return errors.Count > 0
                ? Refused($"{Variable}: {string.Join("; ", errors)}")
                : new AppProbeSet(probes.ToFrozenDictionary(StringComparer.Ordinal), null, configured: true);
        }
    }

    private static AppProbeSet Refused(string error) => new(FrozenDictionary<string, AppProbe>.Empty, error, configured: true);

    private static AppProbe? ParseProbe(string path, JsonElement value, List<string> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"'{path}' must be an object with httpGet or tcpSocket");
            return null;
        }

        var timeout = TimeSpan.FromSeconds(1);
        if (value.TryGetProperty("timeoutSeconds", out var seconds))
        {
            if (seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt32(out var s) && s is > 0 and <= 3600)
            {
                timeout = TimeSpan.FromSeconds(s);
            }
            else
            {
                errors.Add($"'{path}'.timeoutSeconds must be a whole number of seconds from 1 to 3600");
            }
        }

        var hasHttp = value.TryGetProperty("httpGet", out var http);
        var hasTcp = value.TryGetProperty("tcpSocket", out var tcp);
        if (hasHttp == hasTcp)
        {
            errors.Add(hasHttp
                ? $"'{path}' has both httpGet and tcpSocket; give one"
                : $"'{path}' has neither httpGet nor tcpSocket; only those probes are rewritten (leave exec and grpc probes on the app)");
            return null;
        }

        var handler = hasHttp ? http : tcp;
        var field = hasHttp ? "httpGet" : "tcpSocket";
        if (handler.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"'{path}'.{field} must be an object");
            return null;
        }

        var port = ParsePort(path, field, handler, errors);
        if (!hasHttp)
        {
            return port is { } p ? new TcpSocketProbe { Port = p, Timeout = timeout } : null;
        }

        var probePath = "/";
        if (handler.TryGetProperty("path", out var pathValue))
        {
            if (pathValue.ValueKind == JsonValueKind.String)
            {
                probePath = pathValue.GetString() is { Length: > 0 } text ? (text.StartsWith('/') ? text : "/" + text) : "/";
            }
            else
            {
                errors.Add($"'{path}'.httpGet.path must be a string such as \"/healthz\"");
            }
        }

        var https = false;
        if (handler.TryGetProperty("scheme", out var scheme))
        {
            switch (scheme.ValueKind == JsonValueKind.String ? scheme.GetString()!.ToUpperInvariant() : null)
            {
                case "HTTP":
                    break;
                case "HTTPS":
                    https = true;
                    break;
                default:
                    errors.Add($"'{path}'.httpGet.scheme must be HTTP or HTTPS, not {scheme.GetRawText()}");
                    break;
            }
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (handler.TryGetProperty("httpHeaders", out var headerList))
        {
            if (headerList.ValueKind != JsonValueKind.Array)
            {
                errors.Add($"'{path}'.httpGet.httpHeaders must be a list of {{\"name\": ..., \"value\": ...}}");
            }
            else
            {
                foreach (var header in headerList.EnumerateArray())
                {
                    if (header.ValueKind == JsonValueKind.Object
                        && header.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } headerName
                        && header.TryGetProperty("value", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        headers.Add(new(headerName, text.GetString()!));
                    }
                    else
                    {
                        errors.Add($"'{path}'.httpGet.httpHeaders: {header.GetRawText()} is not {{\"name\": \"...\", \"value\": \"...\"}}");
                    }
                }
            }
        }

        return port is { } httpPort ? new HttpGetProbe { Port = httpPort, Timeout = timeout, Path = probePath, Https = https, Headers = [.. headers] } : null;
    }

    private static int? ParsePort(string path, string field, JsonElement handler, List<string> errors)
    {
        if (!handler.TryGetProperty("port", out var port))
        {
            errors.Add($"'{path}'.{field}.port is required");
            return null;
        }

        int? number = port.ValueKind switch
        {
            JsonValueKind.Number => port.TryGetInt32(out var n) ? n : null,
            JsonValueKind.String => int.TryParse(port.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null,
            _ => null,
        };
        if (number is > 0 and <= 65535)
        {
            return number;
        }

        errors.Add(port.ValueKind == JsonValueKind.String && number is null
            ? $"'{path}'.{field}.port is the name {port.GetRawText()}; the injector must resolve named ports to the container's port number"
            : $"'{path}'.{field}.port {port.GetRawText()} is not a port; give a number from 1 to 65535");
        return null;
    }

    [GeneratedRegex("^/app-health/[a-z0-9]([-a-z0-9]*[a-z0-9])?/(livez|readyz|startupz)$")]
    private static partial Regex ProbePath();
}
