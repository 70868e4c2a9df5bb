using System.Text.RegularExpressions;

namespace Lattice.Mesh.RouteTable;

/// <summary>The Kubernetes name rules the mesh relies on, shared by the controller and the sidecar.</summary>
public static partial class Names
{
    /// <summary>The fix shown with every label error.</summary>
    public const string DnsLabelRule = "use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit";

    /// <summary>The fix shown with every host name error.</summary>
    public const string HostNameRule = "use a DNS name of dot-separated labels, each at most 63 lower-case letters, digits and '-'";

    /// <summary>An RFC 1123 label: what Service, ServiceAccount and namespace names must be.</summary>
    public static bool IsDnsLabel(string? value) => value is { Length: > 0 and <= 63 } && DnsLabel().IsMatch(value);

    /// <summary>An RFC 1123 subdomain: dot-separated labels, at most 253 characters.</summary>
    public static bool IsDnsSubdomain(string? value) =>
        value is { Length: > 0 and <= 253 } && value.Split('.').All(IsDnsLabel);

    /// <summary>A host, optionally with a port: <c>nzbget</c>, <c>nzbget.media.svc:6789</c>, <c>127.0.0.1:40000</c>.</summary>
    public static bool IsHostWithOptionalPort(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            return IsDnsSubdomain(value) || System.Net.IPAddress.TryParse(value, out _);
        }

        return IsPort(value[(colon + 1)..]) && IsHostWithOptionalPort(value[..colon]) && value.IndexOf(':') == colon;
    }

    /// <summary>A host with a port: where a peer's sidecar is reached.</summary>
    public static bool IsHostAndPort(string? value) => value is not null && value.Contains(':', StringComparison.Ordinal) && IsHostWithOptionalPort(value);

    /// <summary>A TCP port, 1 to 65535.</summary>
    public static bool IsPort(int port) => port is > 0 and <= 65535;

    private static bool IsPort(string text) => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && IsPort(port);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();
}
