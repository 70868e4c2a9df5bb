// Capture: the iptables rules that send the pod's TCP through the sidecar, built as a pure function of the options.
using System.Globalization;
using System.Text;

namespace Lattice.Mesh.Proxy.Capture;

/// <summary>
/// Builds the <c>iptables-restore --noflush</c> input for the nat table, in the style of Istio's istio-iptables.
/// <list type="bullet">
/// <item><c>LATTICE_INBOUND</c> (from PREROUTING): TCP arriving for the app's ports goes to the inbound listener.</item>
/// <item><c>LATTICE_OUTPUT</c> (from OUTPUT): the app's TCP leaving the pod goes to the outbound listener, except the
/// proxy's own (matched by uid, or every call the proxy makes would come back to it), anything on the loopback
/// interface, DNS over TCP and the excluded ports.</item>
/// </list>
/// Loopback is left alone entirely: <c>-o lo</c> covers 127.0.0.0/8 and the pod's own address, which is the app
/// talking to itself or to a container beside it, never another service. An app that calls its own Service goes
/// to a ClusterIP, leaves by the pod's interface and is captured like any other call; the proxy then forwards it
/// to the Service's inbound listener, which policy covers. So no special case is needed for it, unlike Istio,
/// whose sidecar dials the app port and must catch its own hairpin connections.
/// Applying twice gives the same rules: declaring a chain that exists flushes it, and the jumps into our chains
/// that are already in force (<see cref="JumpsInForce"/>) are deleted in the same transaction before being added.
/// </summary>
public static class CaptureRules
{
    public const string InboundChain = "LATTICE_INBOUND";

    public const string OutboundChain = "LATTICE_OUTPUT";

    /// <summary>DNS falls back to TCP for large answers; the proxy speaks HTTP only, so TCP to port 53 is never captured.</summary>
    public const int DnsPort = 53;

    /// <summary>The rules for <paramref name="options"/> on a network namespace that has none of ours yet.</summary>
    public static string Build(CaptureOptions options) => Build(options, []);

    /// <summary>
    /// The rules for <paramref name="options"/>, replacing any of ours in force: <paramref name="jumpsInForce"/> are
    /// the lines of <c>iptables-save</c> that jump into our chains (see <see cref="JumpsInForce"/>).
    /// </summary>
    public static string Build(CaptureOptions options, IReadOnlyList<string> jumpsInForce)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(jumpsInForce);
        var rules = new StringBuilder();
        void Line(string line) => rules.Append(line).Append('\n');
        string List(IEnumerable<int> ports) => string.Join(',', ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        string Ports(IReadOnlyCollection<int> ports) => (ports.Count == 1 ? "port " : "ports ") + List(ports);
        var outbound = options.OutboundPort.ToString(CultureInfo.InvariantCulture);
        var inbound = options.InboundPort.ToString(CultureInfo.InvariantCulture);

        Line(FormattableString.Invariant($"# lattice-proxy capture: proxy uid {options.ProxyUid}, outbound listener {outbound}, inbound listener {inbound}"));
        Line("*nat");
        Line($":{InboundChain} - [0:0]");
        Line($":{OutboundChain} - [0:0]");
        foreach (var jump in jumpsInForce)
        {
            Line("-D" + jump[2..]);
        }

        Line($"-A PREROUTING -p tcp -j {InboundChain}");
        Line($"-A OUTPUT -p tcp -j {OutboundChain}");

        var excludedInbound = options.ExcludeInboundPorts.ToHashSet();
        if (options.AllInboundPorts)
        {
            Line(excludedInbound.Count == 0
                ? "# Inbound: TCP to every port goes to the inbound listener"
                : $"# Inbound: TCP to every port but {List(options.ExcludeInboundPorts)} goes to the inbound listener");
            foreach (var port in options.ExcludeInboundPorts)
            {
                Line(FormattableString.Invariant($"-A {InboundChain} -p tcp --dport {port} -j RETURN"));
            }

            Line($"-A {InboundChain} -p tcp -j REDIRECT --to-ports {inbound}");
        }
        else
        {
            var captured = options.InboundPorts.Where(p => !excludedInbound.Contains(p)).ToList();
            Line(captured.Count == 0
                ? "# Inbound: nothing is captured"
                : $"# Inbound: TCP to the app's {Ports(captured)} goes to the inbound listener");
            foreach (var port in captured)
            {
                Line(FormattableString.Invariant($"-A {InboundChain} -p tcp --dport {port} -j REDIRECT --to-ports {inbound}"));
            }
        }

        Line("# Outbound: the proxy's own connections, loopback and DNS go straight out");
        Line(FormattableString.Invariant($"-A {OutboundChain} -m owner --uid-owner {options.ProxyUid} -j RETURN"));
        Line($"-A {OutboundChain} -o lo -j RETURN");
        Line(FormattableString.Invariant($"-A {OutboundChain} -p tcp --dport {DnsPort} -j RETURN"));
        var excludedOutbound = options.ExcludeOutboundPorts.Where(p => p != DnsPort).ToList();
        if (excludedOutbound.Count > 0)
        {
            Line($"# Outbound: TCP to the excluded {Ports(excludedOutbound)} goes straight out");
            foreach (var port in excludedOutbound)
            {
                Line(FormattableString.Invariant($"-A {OutboundChain} -p tcp --dport {port} -j RETURN"));
            }
        }

        Line("# Outbound: the rest of the app's TCP goes to the outbound listener");
        Line($"-A {OutboundChain} -p tcp -j REDIRECT --to-ports {outbound}");
        Line("COMMIT");
        return rules.ToString();
    }

    /// <summary>
    /// The rules of the nat table in <paramref name="iptablesSave"/> (the output of <c>iptables-save</c>) that jump
    /// from another chain into one of ours, exactly as saved, so that they can be deleted before being added again.
    /// </summary>
    public static IReadOnlyList<string> JumpsInForce(string iptablesSave)
    {
        ArgumentNullException.ThrowIfNull(iptablesSave);
        var jumps = new List<string>();
        var inNat = false;
        foreach (var raw in iptablesSave.Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ');
            if (line.StartsWith('*'))
            {
                inNat = line == "*nat";
                continue;
            }

            if (!inNat || !line.StartsWith("-A ", StringComparison.Ordinal))
            {
                continue;
            }

            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (IsOurs(words[1]))
            {
                continue;
            }

            for (var i = 2; i < words.Length - 1; i++)
            {
                if (words[i] is "-j" or "--jump" or "-g" or "--goto" && IsOurs(words[i + 1]))
                {
                    jumps.Add(line);
                    break;
                }
            }
        }

        return jumps;
    }

    private static bool IsOurs(string chain) => chain is InboundChain or OutboundChain;
}
