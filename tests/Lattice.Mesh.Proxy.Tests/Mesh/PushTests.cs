using System.Net;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Tests.Support;
using Lattice.Mesh.RouteTable;
using Microsoft.Extensions.DependencyInjection;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>Route tables pushed by the controller over mutual TLS: delivered, kept, persisted, resynced and acknowledged.</summary>
public sealed class PushTests : IAsyncLifetime
{
    private static readonly ServiceId Sonarr = new("media", "sonarr");
    private readonly RouteTableDistributor _distributor = new();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-push-");
    private readonly Pki _pki;
    private PushController? _controller;
    private int _controllerPort;
    private MediaMesh _mesh = null!;

    public PushTests() => _pki = Pki.Create();

    public async ValueTask InitializeAsync()
    {
        _controller = await PushController.StartAsync(_pki, Path.Combine(_folder.FullName, "controller"), _distributor);
        _controllerPort = _controller.Uri.Port;
        _mesh = await MediaMesh.StartPushedAsync(_controller, _distributor, _pki);
    }

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task EachSidecar_ReceivesItsOwnTable_AndTheSeedIsEnforced()
    {
        foreach (var (name, sidecar) in _mesh.Sidecars)
        {
            var config = RouteTableSerializer.Read(await sidecar.Admin.GetStringAsync("/config", Ct));
            Assert.Equal($"media/{name}", config.Table?.Service.ToString());
        }

        using var allowed = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");
        using var denied = await _mesh.CallAsync("nzbget", "http://sonarr:8989/");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public async Task TheControllerServesACaller_OnlyItsOwnServicesTable()
    {
        using var jellyfin = _pki.InboundClient("spiffe://lattice.local/ns/media/sa/jellyfin", PushProtocol.ControllerSpiffeId(SpiffeId.DefaultTrustDomain));
        jellyfin.DefaultRequestVersion = HttpVersion.Version20;
        using var response = await jellyfin.GetAsync(new Uri(_controller!.Uri, PushProtocol.WatchPath), HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        var first = RouteTableSerializer.Read(await reader.ReadLineAsync(Ct) ?? string.Empty);

        Assert.True(first.IsValid);
        Assert.Equal("media/jellyfin", first.Table.Service.ToString());
    }

    [Fact]
    public async Task ACallerWithoutAMeshCertificate_CannotConnectToTheController()
    {
        using var stranger = _pki.InboundClient(callerSpiffeId: null, expectedServer: null);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => stranger.GetAsync(new Uri(_controller!.Uri, PushProtocol.WatchPath), Ct));
    }

    [Fact]
    public async Task AChange_IsInForceWithinASecond()
    {
        var routes = _mesh.Sidecars["sonarr"].Server.Services.GetRequiredService<RouteTableSource>();
        var changed = Changed(Sonarr, 61);
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        routes.Applied += snapshot =>
        {
            if (snapshot.Revision == changed[Sonarr].Revision)
            {
                applied.TrySetResult();
            }
        };

        _distributor.Publish(changed);

        await applied.Task.WaitAsync(TimeSpan.FromSeconds(1), Ct);
    }

    [Fact]
    public async Task AppliedRevisions_AreReportedToTheController()
    {
        await Eventually.Async(() => Task.FromResult(_distributor.CountCurrent(Sonarr) == 1), "sonarr's sidecar to report its revision");

        Assert.Equal(_distributor.Tables[Sonarr].Revision, _distributor.AppliedBy(Sonarr)["pod-1"]);
    }

    [Fact]
    public async Task WithTheControllerGone_TheSidecarKeepsEnforcing_AndResyncsWhenItReturns()
    {
        await _controller!.DisposeAsync();
        _controller = null;

        using (var allowed = await _mesh.CallAsync("sonarr", "http://nzbget:6789/"))
        using (var denied = await _mesh.CallAsync("nzbget", "http://sonarr:8989/"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        var changed = Changed(Sonarr, 62);
        _distributor.Publish(changed);
        _controller = await PushController.StartAsync(_pki, Path.Combine(_folder.FullName, "controller"), _distributor, _controllerPort);

        await _mesh.Sidecars["sonarr"].WaitForRevisionAsync(changed[Sonarr].Revision);
    }

    [Fact]
    public async Task ASidecarRestartedWhileTheControllerIsDown_EnforcesItsStoredTable()
    {
        var pushed = _distributor.Tables[Sonarr].Revision;
        await _controller!.DisposeAsync();
        _controller = null;
        var old = _mesh.Sidecars["sonarr"];
        var folder = old.Folder;
        await old.DisposeAsync();

        var restarted = await Sidecar.RestartAsync(folder, o => o with { ControllerUri = new Uri($"https://127.0.0.1:{_controllerPort}"), ControllerBackoffLimit = TimeSpan.FromMilliseconds(500) }, appPorts: new Dictionary<int, int> { [8989] = _mesh.Apps["sonarr"].Port });
        _mesh.Sidecars["sonarr"] = restarted;

        await restarted.WaitForRevisionAsync(pushed);
        using var denied = await restarted.App.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "radarr:7878" } }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public void AServiceThatFailsToCompile_KeepsItsLastGoodTable()
    {
        var before = _distributor.Tables[Sonarr];
        var withoutSonarr = _mesh.Compilation.RouteTables.Where(p => p.Key != Sonarr).ToDictionary();

        _distributor.Publish(withoutSonarr, keepPrevious: new HashSet<ServiceId> { Sonarr });

        Assert.Equal(before, _distributor.Tables[Sonarr]);
        _distributor.Publish(withoutSonarr);
        Assert.False(_distributor.Tables.ContainsKey(Sonarr));
    }

    /// <summary>The mesh's tables with sonarr's timeout to jellyfin changed to <paramref name="seconds"/>.</summary>
    private Dictionary<ServiceId, RouteTable.RouteTable> Changed(ServiceId service, int seconds)
    {
        var tables = _mesh.Compilation.RouteTables.ToDictionary();
        var table = tables[service];
        var jellyfin = table.Outbound.Single(d => d.Service == "media/jellyfin");
        tables[service] = RouteTableRevision.Stamp(table with
        {
            Outbound = table.Outbound.Replace(jellyfin, jellyfin with { Timeout = new TimeoutPolicy { Request = TimeSpan.FromSeconds(seconds) } }),
        });
        return tables;
    }
}
