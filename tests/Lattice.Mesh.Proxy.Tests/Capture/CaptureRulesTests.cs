using Lattice.Mesh.Proxy.Capture;

namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>The rules builder, a pure function: each option, and the order that makes the rules right.</summary>
public sealed class CaptureRulesTests
{
    private static readonly CaptureOptions Listed = new() { ProxyUid = 1337, InboundPorts = [8989, 9000], ExcludeOutboundPorts = [5432] };

    [Fact]
    public void Build_GivesTheWholeRestoreInput_ForTheNatTable()
    {
        var rules = CaptureRules.Build(Listed);

        Assert.Equal(
            """
            # lattice-proxy capture: proxy uid 1337, outbound listener 15001, inbound listener 15006
            *nat
            :LATTICE_INBOUND - [0:0]
            :LATTICE_OUTPUT - [0:0]
            -A PREROUTING -p tcp -j LATTICE_INBOUND
            -A OUTPUT -p tcp -j LATTICE_OUTPUT
            # Inbound: TCP to the app's ports 8989,9000 goes to the inbound listener
            -A LATTICE_INBOUND -p tcp --dport 8989 -j REDIRECT --to-ports 15006
            -A LATTICE_INBOUND -p tcp --dport 9000 -j REDIRECT --to-ports 15006
            # Outbound: the proxy's own connections, loopback and DNS go straight out
            -A LATTICE_OUTPUT -m owner --uid-owner 1337 -j RETURN
            -A LATTICE_OUTPUT -o lo -j RETURN
            -A LATTICE_OUTPUT -p tcp --dport 53 -j RETURN
            # Outbound: TCP to the excluded port 5432 goes straight out
            -A LATTICE_OUTPUT -p tcp --dport 5432 -j RETURN
            # Outbound: the rest of the app's TCP goes to the outbound listener
            -A LATTICE_OUTPUT -p tcp -j REDIRECT --to-ports 15001
            COMMIT

            """.ReplaceLineEndings("\n"),
            rules);
    }

    [Fact]
    public void AllInboundPorts_ReturnsTheExcludedPortsFirst_ThenRedirectsTheRest()
    {
        var rules = Rules(Listed with { AllInboundPorts = true, InboundPorts = [], ExcludeInboundPorts = [15000, 15006] });

        Assert.Equal(
            [
                "-A LATTICE_INBOUND -p tcp --dport 15000 -j RETURN",
                "-A LATTICE_INBOUND -p tcp --dport 15006 -j RETURN",
                "-A LATTICE_INBOUND -p tcp -j REDIRECT --to-ports 15006",
            ],
            rules.Where(r => r.StartsWith("-A LATTICE_INBOUND", StringComparison.Ordinal)));
    }

    [Fact]
    public void AllInboundPorts_WithoutExclusions_RedirectsEveryPort()
    {
        var rules = Rules(Listed with { AllInboundPorts = true, InboundPorts = [] });

        Assert.Equal(["-A LATTICE_INBOUND -p tcp -j REDIRECT --to-ports 15006"], rules.Where(r => r.StartsWith("-A LATTICE_INBOUND", StringComparison.Ordinal)));
    }

    [Fact]
    public void ExcludedInboundPort_WinsOverAListedOne()
    {
        var rules = Rules(Listed with { ExcludeInboundPorts = [9000] });

        Assert.Equal(["-A LATTICE_INBOUND -p tcp --dport 8989 -j REDIRECT --to-ports 15006"], rules.Where(r => r.StartsWith("-A LATTICE_INBOUND", StringComparison.Ordinal)));
    }

    [Fact]
    public void NoInboundPorts_CapturesNothingInbound_ButStillCapturesOutbound()
    {
        var rules = Rules(Listed with { InboundPorts = [] });

        Assert.DoesNotContain(rules, r => r.StartsWith("-A LATTICE_INBOUND", StringComparison.Ordinal));
        Assert.Contains("-A LATTICE_OUTPUT -p tcp -j REDIRECT --to-ports 15001", rules);
    }

    [Fact]
    public void ListenerPorts_AreTheRedirectTargets()
    {
        var rules = Rules(Listed with { OutboundPort = 16001, InboundPort = 16006 });

        Assert.Contains("-A LATTICE_INBOUND -p tcp --dport 8989 -j REDIRECT --to-ports 16006", rules);
        Assert.Contains("-A LATTICE_OUTPUT -p tcp -j REDIRECT --to-ports 16001", rules);
        Assert.DoesNotContain(rules, r => r.Contains("15001", StringComparison.Ordinal) || r.Contains("15006", StringComparison.Ordinal));
    }

    [Fact]
    public void Outbound_ReturnsTheProxyUid_Loopback_Dns_AndExcludedPorts_BeforeTheRedirect()
    {
        var rules = Rules(Listed with { ProxyUid = 2000, ExcludeOutboundPorts = [3306, 5432] });

        Assert.Equal(
            [
                "-A LATTICE_OUTPUT -m owner --uid-owner 2000 -j RETURN",
                "-A LATTICE_OUTPUT -o lo -j RETURN",
                "-A LATTICE_OUTPUT -p tcp --dport 53 -j RETURN",
                "-A LATTICE_OUTPUT -p tcp --dport 3306 -j RETURN",
                "-A LATTICE_OUTPUT -p tcp --dport 5432 -j RETURN",
                "-A LATTICE_OUTPUT -p tcp -j REDIRECT --to-ports 15001",
            ],
            rules.Where(r => r.StartsWith("-A LATTICE_OUTPUT", StringComparison.Ordinal)));
    }

    [Fact]
    public void Dns_IsReturnedOnce_EvenWhenExcludedExplicitly()
    {
        var rules = Rules(Listed with { ExcludeOutboundPorts = [53] });

        Assert.Single(rules, r => r == "-A LATTICE_OUTPUT -p tcp --dport 53 -j RETURN");
    }

    [Fact]
    public void Build_IsDeterministic_AndTouchesOnlyTheNatTable()
    {
        var again = Listed with { InboundPorts = [8989, 9000] };

        Assert.Equal(CaptureRules.Build(Listed), CaptureRules.Build(again));
        Assert.Equal(Listed, again);
        Assert.Equal(["*nat"], Rules(Listed).Where(r => r.StartsWith('*')));
    }

    [Fact]
    public void JumpsInForce_AreTheNatRulesJumpingIntoOurChains_FromOtherChains()
    {
        const string saved = """
            # Generated by iptables-nft-save v1.8.9 (nf_tables)
            *filter
            :INPUT ACCEPT [0:0]
            -A INPUT -p tcp -j LATTICE_INBOUND
            COMMIT
            *nat
            :PREROUTING ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :LATTICE_INBOUND - [0:0]
            :LATTICE_OUTPUT - [0:0]
            :KUBE-SERVICES - [0:0]
            -A PREROUTING -p tcp -j LATTICE_INBOUND
            -A PREROUTING -j KUBE-SERVICES
            -A OUTPUT -p tcp -j LATTICE_OUTPUT
            -A OUTPUT -p tcp -j LATTICE_OUTPUT
            -A LATTICE_OUTPUT -p tcp -j REDIRECT --to-ports 15001
            -A KUBE-SERVICES -d 10.0.0.1/32 -j LATTICE_OUTPUT_OLD
            COMMIT
            """;

        var jumps = CaptureRules.JumpsInForce(saved);

        Assert.Equal(["-A PREROUTING -p tcp -j LATTICE_INBOUND", "-A OUTPUT -p tcp -j LATTICE_OUTPUT", "-A OUTPUT -p tcp -j LATTICE_OUTPUT"], jumps);
    }

    [Fact]
    public void Build_WithJumpsInForce_DeletesEachBeforeAddingOne()
    {
        var rules = Rules(Listed, CaptureRules.JumpsInForce("*nat\n-A OUTPUT -p tcp -j LATTICE_OUTPUT\n-A OUTPUT -p tcp -j LATTICE_OUTPUT\nCOMMIT\n"));

        var deletes = rules.FindAll(r => r == "-D OUTPUT -p tcp -j LATTICE_OUTPUT");
        Assert.Equal(2, deletes.Count);
        Assert.True(rules.IndexOf("-D OUTPUT -p tcp -j LATTICE_OUTPUT") < rules.IndexOf("-A OUTPUT -p tcp -j LATTICE_OUTPUT"));
        Assert.Single(rules, r => r == "-A OUTPUT -p tcp -j LATTICE_OUTPUT");
        Assert.True(rules.IndexOf(":LATTICE_OUTPUT - [0:0]") < rules.IndexOf("-D OUTPUT -p tcp -j LATTICE_OUTPUT"));
    }

    private static List<string> Rules(CaptureOptions options, IReadOnlyList<string>? jumps = null) =>
        [.. CaptureRules.Build(options, jumps ?? []).Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#'))];
}
