using System.Globalization;

namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>
/// Two network namespaces of their own, joined by a veth pair: "pod" (10.77.0.1), where the capture rules go,
/// and "peer" (10.77.0.2), another pod outside it. The names are unique, so parallel runs never meet, and both
/// namespaces (with their veth ends) are deleted on dispose. The host's own network is never touched.
/// </summary>
internal sealed class PodNetwork : IAsyncDisposable
{
    public const string PodAddress = "10.77.0.1";
    public const string PeerAddress = "10.77.0.2";

    /// <summary>The system python (the tests run it as other uids, which cannot reach a pyenv under /root).</summary>
    public const string Python = "/usr/bin/python3";

    private const string Client = """
        import socket, sys
        connection = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        connection.sendall((sys.argv[3] + "\n").encode())
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = connection.recv(256)
            if not chunk:
                break
            answer += chunk
        print(answer.decode().strip())
        """;

    private int _tokens;

    private PodNetwork(string pod, string peer)
    {
        Pod = pod;
        Peer = peer;
    }

    /// <summary>The pod's network namespace.</summary>
    public string Pod { get; }

    /// <summary>The peer's network namespace.</summary>
    public string Peer { get; }

    /// <summary>Why these tests cannot run here, or null when they can: they need root, ip, iptables, python and setpriv.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces are Linux only";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "ip netns add needs root; run the tests as root";
        }

        var effective = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("CapEff:", StringComparison.Ordinal))["CapEff:".Length..].Trim();
        var capabilities = ulong.Parse(effective, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        const int NetAdmin = 12, SysAdmin = 21;
        if ((capabilities & (1UL << NetAdmin)) == 0 || (capabilities & (1UL << SysAdmin)) == 0)
        {
            return "this container lacks CAP_NET_ADMIN or CAP_SYS_ADMIN, which ip netns and iptables need";
        }

        string[] tools = ["/usr/sbin/iptables-nft-restore", "/usr/sbin/iptables-legacy-restore", Python, "/usr/bin/setpriv"];
        var missing = tools.Where(t => !File.Exists(t)).Append(Which("ip") is null ? "ip" : null).OfType<string>().ToList();
        return missing.Count == 0 ? null : $"missing {string.Join(", ", missing)}; run tests/netns/setup.sh (it installs iptables, iproute2, python3 and util-linux)";
    }

    public static async Task<PodNetwork> CreateAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var network = new PodNetwork($"lattice-pod-{id}", $"lattice-peer-{id}");
        try
        {
            await HostCommand.SucceedAsync("ip", "netns", "add", network.Pod);
            await HostCommand.SucceedAsync("ip", "netns", "add", network.Peer);
            // The veth ends are created inside the namespaces, so their names (eth0) cannot collide with the host's.
            await HostCommand.SucceedAsync("ip", "-n", network.Pod, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", network.Peer);
            await HostCommand.SucceedAsync("ip", "-n", network.Pod, "addr", "add", PodAddress + "/24", "dev", "eth0");
            await HostCommand.SucceedAsync("ip", "-n", network.Peer, "addr", "add", PeerAddress + "/24", "dev", "eth0");
            foreach (var netns in new[] { network.Pod, network.Peer })
            {
                await HostCommand.SucceedAsync("ip", "-n", netns, "link", "set", "lo", "up");
                await HostCommand.SucceedAsync("ip", "-n", netns, "link", "set", "eth0", "up");
            }
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }

        return network;
    }

    /// <summary>
    /// Connects from <paramref name="netns"/> as <paramref name="uid"/> to <paramref name="address"/>:<paramref name="port"/>
    /// and returns the answer of the listener it landed on: <c>&lt;listener&gt; &lt;original destination&gt; &lt;token&gt;</c>.
    /// </summary>
    public async Task<string> ConnectAsync(string netns, int uid, string address, int port)
    {
        var token = $"t{Interlocked.Increment(ref _tokens)}";
        var id = uid.ToString(CultureInfo.InvariantCulture);
        var result = await HostCommand.RunAsync("ip", ["netns", "exec", netns, "setpriv", $"--reuid={id}", $"--regid={id}", "--clear-groups", Python, "-c", Client, address, port.ToString(CultureInfo.InvariantCulture), token]);
        Assert.True(result.ExitCode == 0, $"uid {uid} in {netns} could not connect to {address}:{port}: {result.Error}");
        var answer = result.Output.Trim();
        Assert.EndsWith(" " + token, answer, StringComparison.Ordinal);
        return answer[..^(token.Length + 1)];
    }

    /// <summary>Runs <c>lattice-proxy</c> (the built program, as the init container would) inside the pod's namespace.</summary>
    public Task<HostCommandResult> LatticeProxyAsync(params string[] arguments) =>
        HostCommand.RunAsync("ip", new[] { "netns", "exec", Pod, "dotnet", Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll") }.Concat(arguments));

    /// <summary>Runs a command inside the pod's namespace, such as iptables-save.</summary>
    public Task<string> InPodAsync(params string[] command) => HostCommand.SucceedAsync("ip", ["netns", "exec", Pod, .. command]);

    public async ValueTask DisposeAsync()
    {
        foreach (var netns in new[] { Pod, Peer })
        {
            // Deleting the namespace deletes its veth end too; ignore a namespace that was never made.
            await HostCommand.RunAsync("ip", ["netns", "del", netns]);
        }
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin")
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}
