using Lattice.Mesh.Proxy.Configuration;
using Microsoft.Extensions.Logging;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>A real sidecar process-in-a-test: its files in a folder of its own, its listeners on free loopback ports.</summary>
internal sealed class Sidecar : IAsyncDisposable
{
    private Sidecar(string folder, ProxyServer server)
    {
        Folder = folder;
        Server = server;
    }

    public string Folder { get; }

    public ProxyServer Server { get; }

    public string RouteTablePath => Path.Combine(Folder, "routes.json");

    /// <summary>A client that sends requests to this sidecar's outbound listener, as the app beside it would.</summary>
    public HttpClient App => field ??= new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = Server.OutboundUri };

    /// <summary>A client of this sidecar's admin listener.</summary>
    public HttpClient Admin => field ??= new HttpClient { BaseAddress = Server.AdminUri };

    public static async Task<Sidecar> StartAsync(string folder, string spiffeId, Pki pki, IReadOnlyDictionary<int, int>? appPorts = null, Func<ProxyOptions, ProxyOptions>? configure = null, CapturedLogs? logs = null, TimeSpan? certificateValidity = null, TimeProvider? time = null)
    {
        Directory.CreateDirectory(folder);
        pki.WriteWorkloadFiles(folder, spiffeId, certificateValidity);
        return await StartInAsync(folder, appPorts, configure, logs, time);
    }

    /// <summary>
    /// Starts a sidecar that has only the trust bundle and a bootstrap token: it asks the controller (which
    /// <paramref name="configure"/> must name) for its certificate, as in the local mesh and in Kubernetes.
    /// </summary>
    public static async Task<Sidecar> StartWithTokenAsync(string folder, string trustBundlePem, string token, IReadOnlyDictionary<int, int>? appPorts = null, Func<ProxyOptions, ProxyOptions>? configure = null)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "ca.crt"), trustBundlePem, Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "token"), token, Ct);
        return await StartInAsync(folder, appPorts, o => (configure?.Invoke(o) ?? o) with { BootstrapTokenPath = Path.Combine(folder, "token") }, logs: null);
    }

    /// <summary>Starts a sidecar again on the files a previous one left in <paramref name="folder"/> (certificates and the stored table).</summary>
    public static Task<Sidecar> RestartAsync(string folder, Func<ProxyOptions, ProxyOptions>? configure = null, IReadOnlyDictionary<int, int>? appPorts = null) =>
        StartInAsync(folder, appPorts, configure, logs: null);

    private static async Task<Sidecar> StartInAsync(string folder, IReadOnlyDictionary<int, int>? appPorts, Func<ProxyOptions, ProxyOptions>? configure, CapturedLogs? logs, TimeProvider? time = null)
    {
        var files = (Certificate: Path.Combine(folder, "tls.crt"), Key: Path.Combine(folder, "tls.key"), TrustBundle: Path.Combine(folder, "ca.crt"));
        var options = new ProxyOptions
        {
            OutboundPort = 0,
            InboundPort = 0,
            AdminPort = 0,
            InboundBindAddress = "127.0.0.1",
            RouteTablePath = Path.Combine(folder, "routes.json"),
            CertificatePath = files.Certificate,
            KeyPath = files.Key,
            TrustBundlePath = files.TrustBundle,
            AppPortOverrides = appPorts ?? new Dictionary<int, int>(),
            PollInterval = TimeSpan.FromMilliseconds(200),
        };
        var server = await ProxyServer.StartAsync(configure?.Invoke(options) ?? options, logging: builder =>
        {
            if (logs is not null)
            {
                builder.AddProvider(logs);
            }
        }, time);
        return new Sidecar(folder, server);
    }

    /// <summary>Replaces the route table file atomically, as a controller or the kubelet does (write, then rename).</summary>
    public async Task WriteRouteTableAsync(byte[] content)
    {
        var temporary = RouteTablePath + ".tmp";
        await File.WriteAllBytesAsync(temporary, content, Ct);
        File.Move(temporary, RouteTablePath, overwrite: true);
    }

    /// <summary>Writes <paramref name="table"/> and waits until the sidecar has it in force.</summary>
    public async Task ApplyAsync(RouteTable.RouteTable table)
    {
        await WriteRouteTableAsync(RouteTableSerializer.SerializeToUtf8Bytes(table));
        await WaitForRevisionAsync(table.Revision);
    }

    /// <summary>Waits until the sidecar reports <paramref name="revision"/> in force.</summary>
    public Task WaitForRevisionAsync(string revision) =>
        Eventually.Async(async () =>
        {
            using var response = await Admin.GetAsync("/config", Ct);
            return response.Headers.TryGetValues("x-lattice-revision", out var current) && current.Single() == revision;
        }, $"the sidecar to put {revision} in force");

    public async ValueTask DisposeAsync()
    {
        App.Dispose();
        Admin.Dispose();
        await Server.DisposeAsync();
    }
}
