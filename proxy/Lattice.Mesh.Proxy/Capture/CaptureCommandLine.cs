using System.Collections.Immutable;
using System.Globalization;

namespace Lattice.Mesh.Proxy.Capture;

/// <summary>Parses and checks the flags of <c>lattice-proxy capture</c>, collecting every error, each with its fix.</summary>
public static class CaptureCommandLine
{
    public const string Usage =
        "Usage: lattice-proxy capture --apply|--dry-run --proxy-uid=1337 [--inbound-ports=*|8989,9000] [--exclude-inbound-ports=15000,15001,15006]\n" +
        "                             [--exclude-outbound-ports=5432] [--outbound-port=15001] [--inbound-port=15006] [--backend=auto|nft|legacy]\n" +
        "Redirects the pod's TCP through the sidecar with iptables (nat table; needs the NET_ADMIN and NET_RAW capabilities).\n" +
        "  --apply                    apply the rules with iptables-restore and print them (running it again gives the same rules)\n" +
        "  --dry-run                  print the iptables-restore input and change nothing\n" +
        "  --proxy-uid                the uid the proxy runs as; its own connections are never redirected\n" +
        "  --inbound-ports            app ports whose inbound TCP goes to the inbound listener; * for all (the default), empty for none\n" +
        "  --exclude-inbound-ports    ports never redirected inbound (wins over --inbound-ports)\n" +
        "  --exclude-outbound-ports   destination ports the app reaches directly (non-HTTP peers); TCP 53 (DNS) always is\n" +
        "  --outbound-port, --inbound-port   the proxy's listeners (15001, 15006)\n" +
        "  --backend                  auto (default: the iptables whose nat table works and holds rules, else nft), nft or legacy";

    private static readonly string[] Valued = ["proxy-uid", "inbound-ports", "exclude-inbound-ports", "exclude-outbound-ports", "outbound-port", "inbound-port", "backend"];
    private static readonly string[] Switches = ["apply", "dry-run", "help"];

    /// <summary>The request, or every problem found (then the request is null).</summary>
    public static (CaptureRequest? Request, IReadOnlyList<string> Errors) Parse(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var flags = CommandFlags.Parse(arguments, Valued, Switches);
        var errors = flags.Errors;

        var (apply, dryRun) = (flags.Has("apply"), flags.Has("dry-run"));
        if (!apply && !dryRun)
        {
            errors.Add("say what to do: --apply changes this network namespace, --dry-run only prints the rules");
        }

        int? uid = null;
        var uidText = flags.Value("proxy-uid");
        if (uidText is null)
        {
            errors.Add("--proxy-uid is required: the uid the proxy container runs as (its runAsUser), e.g. --proxy-uid=1337");
        }
        else if (!int.TryParse(uidText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            errors.Add($"--proxy-uid={uidText} is not a user id; give a number such as 1337");
        }
        else if (parsed == 0)
        {
            errors.Add("--proxy-uid=0 would exempt every process running as root, the app too; run the proxy as a uid of its own such as 1337");
        }
        else
        {
            uid = parsed;
        }

        var (allInbound, inboundPorts) = Ports("inbound-ports", flags.Value("inbound-ports") ?? "*", allowAll: true, errors);
        var (_, excludeInbound) = Ports("exclude-inbound-ports", flags.Value("exclude-inbound-ports") ?? "", allowAll: false, errors);
        var (_, excludeOutbound) = Ports("exclude-outbound-ports", flags.Value("exclude-outbound-ports") ?? "", allowAll: false, errors);
        var outboundPort = Port("outbound-port", flags.Value("outbound-port"), 15001, errors);
        var inboundPort = Port("inbound-port", flags.Value("inbound-port"), 15006, errors);
        if (outboundPort is { } o && o == inboundPort)
        {
            errors.Add($"--outbound-port and --inbound-port are both {o}; the proxy's two listeners need two ports (15001 and 15006 by default)");
        }

        IptablesBackend? backend = flags.Value("backend") switch
        {
            null or "auto" => IptablesBackend.Auto,
            "nft" => IptablesBackend.Nft,
            "legacy" => IptablesBackend.Legacy,
            _ => null,
        };
        if (backend is null)
        {
            errors.Add($"--backend={flags.Value("backend")} is not an iptables backend; use auto (the default), nft or legacy");
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var request = new CaptureRequest
        {
            Options = new CaptureOptions
            {
                ProxyUid = uid!.Value,
                OutboundPort = outboundPort!.Value,
                InboundPort = inboundPort!.Value,
                AllInboundPorts = allInbound,
                InboundPorts = inboundPorts,
                ExcludeInboundPorts = excludeInbound,
                ExcludeOutboundPorts = excludeOutbound,
            },
            DryRun = dryRun,
            Backend = backend!.Value,
        };
        return (request, errors);
    }

    /// <summary>True when the arguments ask for help rather than for rules.</summary>
    public static bool IsHelp(IReadOnlyList<string> arguments) => arguments.Any(a => a is "--help" or "-h");

    private static int? Port(string flag, string? text, int fallback, List<string> errors)
    {
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            return port;
        }

        errors.Add($"--{flag}={text} is not a port; give a number from 1 to 65535 (the default is {fallback})");
        return null;
    }

    private static (bool All, ImmutableArray<int> Ports) Ports(string flag, string text, bool allowAll, List<string> errors)
    {
        if (text.Trim() == "*")
        {
            if (allowAll)
            {
                return (true, []);
            }

            errors.Add($"--{flag}=* would exclude everything; list the ports, e.g. --{flag}=15000,15020");
            return (false, []);
        }

        var ports = new SortedSet<int>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
            {
                ports.Add(port);
            }
            else
            {
                errors.Add(item == "*"
                    ? $"--{flag}: * stands alone (--{flag}=*), it cannot be mixed with ports"
                    : $"--{flag}: '{item}' is not a port; give numbers from 1 to 65535 separated by commas, e.g. --{flag}=8989,9000");
            }
        }

        return (false, [.. ports]);
    }
}
