using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>
/// The user's media stack on loopback: examples/media-server compiled by the real compiler, a real sidecar
/// and a stand-in app per service, each sidecar's peers reached at the inbound ports they really bound.
/// </summary>
internal sealed class MediaMesh : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;

    private MediaMesh(DirectoryInfo folder, Pki pki, Dictionary<string, Sidecar> sidecars, Dictionary<string, FakeApp> apps, MeshCompilation compilation)
    {
        _folder = folder;
        Pki = pki;
        Sidecars = sidecars;
        Apps = apps;
        Compilation = compilation;
    }

    public Pki Pki { get; }

    public Dictionary<string, Sidecar> Sidecars { get; }

    public IReadOnlyDictionary<string, FakeApp> Apps { get; }

    public MeshCompilation Compilation { get; }

    /// <summary>Where each sidecar keeps its files (a subfolder per service).</summary>
    public string Folder => _folder.FullName;

    /// <param name="configure">Changes to every sidecar's options.</param>
    /// <param name="manifests">The folder to compile, examples/media-server by default.</param>
    /// <param name="writeTables">Write each sidecar's table file (false when a controller pushes them).</param>
    /// <param name="pki">The mesh CA to use (one is made when null).</param>
    /// <param name="tokens">When given, each sidecar gets a bootstrap token from these instead of certificate files, and asks the controller (named by <paramref name="configure"/>) for its certificate.</param>
    /// <param name="logs">When given, every sidecar's log lines (those its filters let through) are kept here (with certificate files only).</param>
    public static async Task<MediaMesh> StartAsync(Func<ProxyOptions, ProxyOptions>? configure = null, string? manifests = null, bool writeTables = true, Pki? pki = null, Controller.Certificates.BootstrapTokens? tokens = null, CapturedLogs? logs = null)
    {
        var folder = Directory.CreateTempSubdirectory("lattice-mesh-");
        pki ??= Pki.Create();
        var set = ManifestLoader.Load(manifests ?? Repository.MediaServer);
        if (set.HasErrors)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, set.Diagnostics));
        }

        var sidecars = new Dictionary<string, Sidecar>();
        var apps = new Dictionary<string, FakeApp>();
        foreach (var service in set.Services)
        {
            var app = await FakeApp.StartAsync(service.Id.Name);
            apps[service.Id.Name] = app;
            var appPorts = service.Spec.Ports.Values.ToDictionary(p => p.TargetPort, _ => app.Port);
            var sidecarFolder = Path.Combine(folder.FullName, service.Id.Name);
            sidecars[service.Id.Name] = tokens is null
                ? await Sidecar.StartAsync(sidecarFolder, SpiffeId.For(SpiffeId.DefaultTrustDomain, service.Id.Namespace, service.Id.Name), pki, appPorts, configure, logs)
                : await Sidecar.StartWithTokenAsync(sidecarFolder, pki.Authority.CertificatePem, tokens.Issue(service.Id), appPorts, configure);
        }

        var compilation = MeshCompiler.Compile(set.Services, new CompilerOptions
        {
            AddressOf = id => sidecars.TryGetValue(id.Name, out var sidecar) ? $"127.0.0.1:{sidecar.Server.InboundUri.Port}" : "127.0.0.1:9",
        });
        foreach (var (name, sidecar) in sidecars.Where(_ => writeTables))
        {
            await sidecar.ApplyAsync(compilation.RouteTables[new ServiceId("media", name)]);
        }

        return new MediaMesh(folder, pki, sidecars, apps, compilation);
    }

    /// <summary>
    /// The media stack fed by a controller, as in a cluster: each sidecar (replica "pod-1") gets its table pushed by
    /// <paramref name="controller"/> from <paramref name="distributor"/>, and, when <paramref name="tokens"/> are
    /// given, its certificate issued too. Returns once every sidecar has its table in force.
    /// </summary>
    public static async Task<MediaMesh> StartPushedAsync(PushController controller, Controller.Push.RouteTableDistributor distributor, Pki pki, Controller.Certificates.BootstrapTokens? tokens = null)
    {
        var mesh = await StartAsync(
            configure: o => o with { ControllerUri = controller.Uri, ControllerBackoffLimit = TimeSpan.FromMilliseconds(500), Instance = "pod-1" },
            writeTables: false,
            pki: pki,
            tokens: tokens);
        distributor.Publish(mesh.Compilation.RouteTables);
        foreach (var (name, sidecar) in mesh.Sidecars)
        {
            await sidecar.WaitForRevisionAsync(mesh.Compilation.RouteTables[new ServiceId("media", name)].Revision);
        }

        return mesh;
    }

    /// <summary>A request from <paramref name="caller"/>'s app, through its sidecar, to <paramref name="url"/> (e.g. http://nzbget:6789/api).</summary>
    public async Task<HttpResponseMessage> CallAsync(string caller, string url, HttpMethod? method = null, HttpContent? content = null)
    {
        var client = Sidecars[caller].App;
        var target = new Uri(url);
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(client.BaseAddress!, target.PathAndQuery)) { Content = content };
        request.Headers.Host = target.Authority;
        return await client.SendAsync(request, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sidecar in Sidecars.Values)
        {
            await sidecar.DisposeAsync();
        }

        foreach (var app in Apps.Values)
        {
            await app.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }
}
