using System.Net;
using Lattice.Mesh.Proxy.Gateway;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// The media stack of examples/media-server (real compiler, real sidecars; Jellyfin's app is a <see cref="MediaApp"/>)
/// behind a real <see cref="GatewayServer"/> on loopback: the gateway's table is the compiler's, its mesh certificate
/// is lattice-system/lattice-gateway's, and its public certificates are TLS Secrets of a test web CA for
/// jellyfin.home.local, sonarr.home.local and *.home.local.
/// </summary>
internal sealed class GatewayMesh : IAsyncDisposable
{
    public const string Jellyfin = "jellyfin.home.local";
    public const string Sonarr = "sonarr.home.local";
    public static readonly string GatewayId = SpiffeId.For(SpiffeId.DefaultTrustDomain, "lattice-system", "lattice-gateway");

    private readonly DirectoryInfo _meshFolder;

    private GatewayMesh(MediaMesh mesh, MediaApp media, TestWebPki web, TlsSecretMounts mounts, DirectoryInfo meshFolder, GatewayServer gateway)
    {
        Mesh = mesh;
        Media = media;
        Web = web;
        Mounts = mounts;
        _meshFolder = meshFolder;
        Server = gateway;
    }

    public MediaMesh Mesh { get; }

    public MediaApp Media { get; }

    public TestWebPki Web { get; }

    public TlsSecretMounts Mounts { get; }

    public GatewayServer Server { get; }

    /// <param name="configure">Changes to the gateway's options.</param>
    /// <param name="jellyfinAppPort">Where Jellyfin's sidecar delivers instead of the <see cref="MediaApp"/> (a <see cref="FilmApp"/>, say).</param>
    public static async Task<GatewayMesh> StartAsync(Func<GatewayOptions, GatewayOptions>? configure = null, int? jellyfinAppPort = null)
    {
        var media = await MediaApp.StartAsync();

        // Jellyfin's sidecar delivers to the MediaApp (target port 8096); the others to their FakeApps.
        var mesh = await MediaMesh.StartAsync(o => o.AppPortOverrides.ContainsKey(8096) ? o with { AppPortOverrides = new Dictionary<int, int> { [8096] = jellyfinAppPort ?? media.Port } } : o);
        var web = new TestWebPki();
        var mounts = new TlsSecretMounts();
        mounts.Publish("jellyfin-tls", web.IssueViaIntermediate([Jellyfin]));
        mounts.Publish("sonarr-tls", web.Issue([Sonarr]));
        mounts.Publish("home-wildcard", web.Issue(["*.home.local"]));
        var meshFolder = Directory.CreateTempSubdirectory("lattice-gw-mesh-");
        mesh.Pki.WriteWorkloadFiles(meshFolder.FullName, GatewayId);
        var options = new GatewayOptions
        {
            HttpPort = 0,
            HttpsPort = 0,
            StatusPort = 0,
            BindAddress = "127.0.0.1",
            Certificates = new GatewayCertificateOptions { Folder = mounts.Path, PollInterval = TimeSpan.FromMilliseconds(200) },
            MeshCertificates = MeshCertificateOptions.InFolder(meshFolder.FullName) with { PollInterval = TimeSpan.FromMilliseconds(200) },
            Routes = mesh.Compilation.GatewayTable ?? throw new InvalidOperationException("examples/media-server compiled to no gateway table"),
        };
        var gateway = await GatewayServer.StartAsync(configure?.Invoke(options) ?? options, logging: _ => { }, Ct);
        return new GatewayMesh(mesh, media, web, mounts, meshFolder, gateway);
    }

    /// <summary>
    /// An HTTPS client for <c>https://&lt;host&gt;:&lt;gateway port&gt;/</c> that connects to the gateway whatever the
    /// host, so SNI and the certificate's name check are the host's; it trusts only the test web CA.
    /// </summary>
    public HttpClient Client(Version? version = null, Action<string>? presented = null) => new(Handler(presented: presented))
    {
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestVersion = version ?? HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <param name="port">The gateway port to connect to, HTTPS by default.</param>
    /// <param name="presented">Receives the serial number of each certificate the gateway presents.</param>
    public SocketsHttpHandler Handler(int? port = null, Action<string>? presented = null) =>
        Web.LoopbackHandler(port ?? Server.HttpsUri.Port, presented, allowAutoRedirect: false);

    /// <summary>A plain HTTP client of the gateway's redirect listener, whatever the host.</summary>
    public HttpClient HttpClient() => new(Handler(Server.HttpUri.Port)) { Timeout = TimeSpan.FromSeconds(30) };

    public Uri Url(string host, string pathAndQuery = "/") => new($"https://{host}:{Server.HttpsUri.Port}{pathAndQuery}");

    /// <summary>The compiled gateway table with <paramref name="change"/> applied to its hosts, re-stamped.</summary>
    public RouteTable.RouteTable GatewayTableWith(Func<IEnumerable<GatewayHost>, IEnumerable<GatewayHost>> change)
    {
        var table = Mesh.Compilation.GatewayTable!;
        return RouteTableRevision.Stamp(table with { Gateway = [.. change(table.Gateway).OrderBy(h => h.Host, StringComparer.Ordinal)] });
    }

    /// <summary>The gateway's table with Jellyfin's host sent to <paramref name="port"/> on this machine (a stand-in for its sidecar).</summary>
    public RouteTable.RouteTable GatewayTableWithJellyfinAt(int port) =>
        GatewayTableWith(hosts => hosts.Select(h => h.Host == Jellyfin ? h with { Address = $"127.0.0.1:{port}" } : h));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Mesh.DisposeAsync();
        await Media.DisposeAsync();
        Mounts.Dispose();
        Web.Dispose();
        _meshFolder.Delete(recursive: true);
    }
}
