using System.Net;
using BenchmarkDotNet.Attributes;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Proxy;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// A real sidecar pair on loopback (app → sonarr's outbound → mutual TLS → nzbget's inbound → app answering 1 KB),
/// against the same requests sent straight to the app, in the same run; once with HTTP/2 between the sidecars
/// and once with HTTP/1.1 keep-alive. Each operation is <see cref="Concurrency"/> requests in flight at once.
/// This settles the sidecars' protocol; the full load test (open and closed models, percentiles) is loadtests/.
/// </summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases them in [GlobalCleanup].")]
public class SidecarPairBenchmarks
{
    private const int Concurrency = 16;
    private static readonly byte[] Payload = new byte[1024];

    private DirectoryInfo _folder = null!;
    private WebApplication _app = null!;
    private ProxyServer _caller = null!;
    private ProxyServer _callee = null!;
    private HttpClient _direct = null!;
    private HttpClient _throughSidecars = null!;

    [Params("1.1", "2")]
    public string PeerProtocol { get; set; } = "2";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _folder = Directory.CreateTempSubdirectory("lattice-bench-");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(context => context.Response.Body.WriteAsync(Payload, context.RequestAborted).AsTask());
        await _app.StartAsync();
        var appPort = new Uri(_app.Urls.Single()).Port;

        using var authority = MeshCertificateAuthority.Create();
        var version = PeerProtocol == "2" ? HttpVersion.Version20 : HttpVersion.Version11;
        _caller = await StartSidecarAsync(authority, "sonarr", version, appPort);
        _callee = await StartSidecarAsync(authority, "nzbget", version, appPort);

        var mesh = MeshCompiler.Compile(
            [
                Service("sonarr", 8989, new ServiceDependency { Name = "nzbget", Direction = Direction.Outbound }),
                Service("nzbget", 6789, new ServiceDependency { Name = "sonarr", Direction = Direction.Inbound }),
            ],
            new CompilerOptions { AddressOf = id => $"127.0.0.1:{(id.Name == "nzbget" ? _callee : _caller).InboundUri.Port}" });
        await ApplyAsync(_caller, "sonarr", mesh.RouteTables[new ServiceId("media", "sonarr")]);
        await ApplyAsync(_callee, "nzbget", mesh.RouteTables[new ServiceId("media", "nzbget")]);

        _direct = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = Concurrency }) { BaseAddress = new Uri($"http://127.0.0.1:{appPort}") };
        _throughSidecars = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = Concurrency }) { BaseAddress = _caller.OutboundUri };
        _throughSidecars.DefaultRequestHeaders.Host = "nzbget:6789";
        if (await ThroughSidecars() != Concurrency * Payload.Length || await Direct() != Concurrency * Payload.Length)
        {
            throw new InvalidOperationException("the sidecar pair did not answer as expected");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Concurrency)]
    public Task<long> Direct() => SendAsync(_direct);

    [Benchmark(OperationsPerInvoke = Concurrency)]
    public Task<long> ThroughSidecars() => SendAsync(_throughSidecars);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _direct.Dispose();
        _throughSidecars.Dispose();
        await _caller.DisposeAsync();
        await _callee.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    private static async Task<long> SendAsync(HttpClient client)
    {
        var requests = new Task<byte[]>[Concurrency];
        for (var i = 0; i < Concurrency; i++)
        {
            requests[i] = client.GetByteArrayAsync("/");
        }

        long bytes = 0;
        foreach (var body in await Task.WhenAll(requests))
        {
            bytes += body.Length;
        }

        return bytes;
    }

    private async Task<ProxyServer> StartSidecarAsync(MeshCertificateAuthority authority, string name, Version version, int appPort)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder.FullName, name)).FullName;
        using var issued = authority.IssueWorkload(SpiffeId.For(SpiffeId.DefaultTrustDomain, "media", name));
        issued.WriteFiles(folder);
        return await ProxyServer.StartAsync(
            new ProxyOptions
            {
                OutboundPort = 0,
                InboundPort = 0,
                AdminPort = 0,
                InboundBindAddress = "127.0.0.1",
                RouteTablePath = Path.Combine(folder, "routes.json"),
                CertificatePath = Path.Combine(folder, "tls.crt"),
                KeyPath = Path.Combine(folder, "tls.key"),
                TrustBundlePath = Path.Combine(folder, "ca.crt"),
                AppPortOverrides = new Dictionary<int, int> { [6789] = appPort, [8989] = appPort },
                PeerHttpVersion = version,
                PollInterval = TimeSpan.FromMilliseconds(100),
            },
            logging: _ => { });
    }

    private async Task ApplyAsync(ProxyServer sidecar, string name, RouteTable.RouteTable table)
    {
        var path = Path.Combine(_folder.FullName, name, "routes.json");
        await File.WriteAllBytesAsync(path + ".tmp", RouteTableSerializer.SerializeToUtf8Bytes(table));
        File.Move(path + ".tmp", path, overwrite: true);
        using var admin = new HttpClient { BaseAddress = sidecar.AdminUri };
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline;)
        {
            using var response = await admin.GetAsync("/readyz");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"{name}'s sidecar never became ready");
    }

    private static LatticeService Service(string name, int port, params ResourceSpec[] resources) => new()
    {
        Id = new ServiceId("media", name),
        Source = new SourceLocation($"{name}.yaml", 1, 1),
        Spec = new LatticeServiceSpec
        {
            Replicas = ReplicaSpec.One,
            Containers = new Dictionary<string, ContainerSpec> { ["main"] = new() { Image = name, Variables = new Dictionary<string, string>(), Volumes = new Dictionary<string, ContainerVolumeSpec>() } },
            Ports = new Dictionary<string, PortSpec> { ["http"] = new(port, port, "TCP") },
            Resources = resources.ToDictionary(r => r.Name),
        },
    };
}
