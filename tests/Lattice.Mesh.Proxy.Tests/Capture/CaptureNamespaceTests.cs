using System.Text.RegularExpressions;

namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>
/// lattice-proxy capture --apply, the real program with real iptables, in a network namespace of the test's own:
/// the app's connections land on the outbound listener, inbound connections to its ports on the inbound listener,
/// and the proxy's own connections go where they were headed.
/// </summary>
public sealed partial class CaptureNamespaceTests : IAsyncLifetime
{
    private const int AppUid = 1000;
    private const int ProxyUid = 1337;
    private const int PeerPort = 8080;
    private const int PeerDatabasePort = 5432;

    private PodNetwork _network = null!;
    private Listeners _pod = null!;
    private Listeners _peer = null!;

    public async ValueTask InitializeAsync()
    {
        if (PodNetwork.Unavailable() is { } reason)
        {
            Assert.Skip(reason);
        }

        _network = await PodNetwork.CreateAsync();
        // In the pod: the proxy's two listeners (outbound on loopback only, as the real one) and two app ports.
        _pod = await Listeners.StartAsync(_network.Pod, "outbound:127.0.0.1:15001", "inbound:0.0.0.0:15006", "app-8989:0.0.0.0:8989", "app-7777:0.0.0.0:7777");
        _peer = await Listeners.StartAsync(_network.Peer, $"peer-{PeerPort}:0.0.0.0:{PeerPort}", $"peer-{PeerDatabasePort}:0.0.0.0:{PeerDatabasePort}");
    }

    public async ValueTask DisposeAsync()
    {
        // Any part may be missing when the set-up failed or was skipped.
        if (_pod is not null)
        {
            await _pod.DisposeAsync();
        }

        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }

        if (_network is not null)
        {
            await _network.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task AppConnection_ToAPeer_LandsOnTheOutboundListener(string backend)
    {
        // Without rules the app reaches the peer itself: what follows is the rules' doing.
        Assert.Equal($"peer-{PeerPort} {PodNetwork.PeerAddress}:{PeerPort}", await _network.ConnectAsync(_network.Pod, AppUid, PodNetwork.PeerAddress, PeerPort));

        await ApplyAsync(backend);

        Assert.Equal($"outbound {PodNetwork.PeerAddress}:{PeerPort}", await _network.ConnectAsync(_network.Pod, AppUid, PodNetwork.PeerAddress, PeerPort));
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task InboundConnection_ToAnAppPort_LandsOnTheInboundListener_AndOtherPortsAreLeftAlone(string backend)
    {
        await ApplyAsync(backend);

        Assert.Equal($"inbound {PodNetwork.PodAddress}:8989", await _network.ConnectAsync(_network.Peer, AppUid, PodNetwork.PodAddress, 8989));
        Assert.Equal($"app-7777 {PodNetwork.PodAddress}:7777", await _network.ConnectAsync(_network.Peer, AppUid, PodNetwork.PodAddress, 7777));
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("legacy")]
    public async Task ProxyConnection_IsNotRedirected_AndReachesItsDestination(string backend)
    {
        await ApplyAsync(backend);

        Assert.Equal($"peer-{PeerPort} {PodNetwork.PeerAddress}:{PeerPort}", await _network.ConnectAsync(_network.Pod, ProxyUid, PodNetwork.PeerAddress, PeerPort));
    }

    [Fact]
    public async Task AppConnections_ToExcludedPorts_AndOverLoopback_GoStraightThrough()
    {
        await ApplyAsync("nft");

        Assert.Equal($"peer-{PeerDatabasePort} {PodNetwork.PeerAddress}:{PeerDatabasePort}", await _network.ConnectAsync(_network.Pod, AppUid, PodNetwork.PeerAddress, PeerDatabasePort));
        Assert.Equal("app-8989 127.0.0.1:8989", await _network.ConnectAsync(_network.Pod, AppUid, "127.0.0.1", 8989));
        Assert.Equal($"app-7777 {PodNetwork.PodAddress}:7777", await _network.ConnectAsync(_network.Pod, AppUid, PodNetwork.PodAddress, 7777));
    }

    [Fact]
    public async Task ApplyingTwice_LeavesTheSameRules_AndDetectsTheBackend()
    {
        var first = await ApplyAsync(backend: null);
        var once = Rules(await _network.InPodAsync("iptables-nft-save", "-t", "nat"));

        var second = await ApplyAsync(backend: null);
        var twice = Rules(await _network.InPodAsync("iptables-nft-save", "-t", "nat"));

        Assert.Contains("# applied with iptables-nft-restore", first, StringComparison.Ordinal);
        Assert.Contains("-D PREROUTING -p tcp -j LATTICE_INBOUND", second, StringComparison.Ordinal);
        Assert.Equal(once, twice);
        Assert.Single(twice, rule => rule == "-A OUTPUT -p tcp -j LATTICE_OUTPUT");
        Assert.Single(twice, rule => rule == "-A PREROUTING -p tcp -j LATTICE_INBOUND");
        Assert.Equal($"outbound {PodNetwork.PeerAddress}:{PeerPort}", await _network.ConnectAsync(_network.Pod, AppUid, PodNetwork.PeerAddress, PeerPort));
    }

    [Fact]
    public async Task WithoutNetAdmin_ExitsWith1_NamingTheCapability()
    {
        var result = await HostCommand.RunAsync("ip", [
            "netns", "exec", _network.Pod, "setpriv", "--bounding-set=-net_admin,-net_raw", "--inh-caps=-net_admin,-net_raw",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"), "capture", "--apply", $"--proxy-uid={ProxyUid}"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("lacks the NET_ADMIN and NET_RAW capabilities", result.Error, StringComparison.Ordinal);
        Assert.Contains("capabilities.add: [NET_ADMIN, NET_RAW]", result.Error, StringComparison.Ordinal);
        Assert.Equal($"peer-{PeerPort} {PodNetwork.PeerAddress}:{PeerPort}", await _network.ConnectAsync(_network.Pod, AppUid, PodNetwork.PeerAddress, PeerPort));
    }

    private async Task<string> ApplyAsync(string? backend)
    {
        string[] arguments =
        [
            "capture", "--apply", $"--proxy-uid={ProxyUid}", "--inbound-ports=8989,9000", "--exclude-inbound-ports=15000,15001,15006",
            $"--exclude-outbound-ports={PeerDatabasePort}", .. backend is null ? Array.Empty<string>() : [$"--backend={backend}"],
        ];
        if (backend == "legacy" && await HostCommand.RunAsync("ip", ["netns", "exec", _network.Pod, "iptables-legacy", "-t", "nat", "-L", "-n"]) is { ExitCode: not 0 } probe)
        {
            Assert.Skip($"this kernel offers no x_tables nat table to iptables-legacy: {probe.Error.Trim()}");
        }

        var result = await _network.LatticeProxyAsync(arguments);
        Assert.True(result.ExitCode == 0, $"capture --apply exited {result.ExitCode}:\n{result.Error}\n{result.Output}");
        return result.Output;
    }

    /// <summary>The rules of an iptables-save, without its comments and counters.</summary>
    private static List<string> Rules(string saved) =>
        saved.Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#')).Select(line => Counters().Replace(line, "")).ToList();

    [GeneratedRegex(@"\s\[\d+:\d+\]$")]
    private static partial Regex Counters();
}
