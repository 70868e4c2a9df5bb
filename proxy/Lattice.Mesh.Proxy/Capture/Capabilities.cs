using System.Globalization;

namespace Lattice.Mesh.Proxy.Capture;

/// <summary>The Linux capabilities iptables needs, read from this process's effective set (<c>/proc/self/status</c>).</summary>
internal static class Capabilities
{
    private const int NetAdmin = 12;
    private const int NetRaw = 13;

    /// <summary>The capabilities iptables needs that this process lacks; null when the effective set cannot be read.</summary>
    public static IReadOnlyList<string>? MissingForIptables(string statusPath = "/proc/self/status")
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(statusPath);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var effective = lines.FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        if (effective is null || !ulong.TryParse(effective["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var set))
        {
            return null;
        }

        var missing = new List<string>(2);
        if ((set & (1UL << NetAdmin)) == 0)
        {
            missing.Add("NET_ADMIN");
        }

        if ((set & (1UL << NetRaw)) == 0)
        {
            missing.Add("NET_RAW");
        }

        return missing;
    }
}
