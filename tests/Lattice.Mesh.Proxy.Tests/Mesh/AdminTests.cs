using System.Net;
using Lattice.Mesh.Proxy.Tests.Gateway;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

public sealed class AdminTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-admin-");
    private Sidecar _sidecar = null!;

    public async ValueTask InitializeAsync() =>
        _sidecar = await Sidecar.StartAsync(Path.Combine(_folder.FullName, "sonarr"), "spiffe://lattice.local/ns/media/sa/sonarr", Pki.Create());

    public async ValueTask DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task WithoutARouteTable_IsLiveButNotReady_AndRefusesEverything()
    {
        using var health = await _sidecar.Admin.GetAsync("/healthz", Ct);
        using var ready = await _sidecar.Admin.GetAsync("/readyz", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "nzbget:6789" } };
        using var call = await _sidecar.App.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("no route table yet", await ready.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, call.StatusCode);
    }

    [Fact]
    public async Task Readiness_IsLost_WhenTheCertificateExpiresWithoutARenewal()
    {
        // The sidecar's clock is moved past the certificate's end rather than waited for: on a loaded machine a
        // certificate of a few seconds could expire before the sidecar first answered.
        var clock = new MovableClock();
        await using var sidecar = await Sidecar.StartAsync(Path.Combine(_folder.FullName, "short"), "spiffe://lattice.local/ns/media/sa/sonarr", Pki.Create(), certificateValidity: TimeSpan.FromMinutes(10), time: clock);
        await sidecar.ApplyAsync(SonarrTable());
        using (var ready = await sidecar.Admin.GetAsync("/readyz", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        clock.Advance(TimeSpan.FromMinutes(11));

        using var expired = await sidecar.Admin.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminEndpoints_AreNotReachableThroughTheAppListener()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Host = $"127.0.0.1:{_sidecar.Server.AdminUri.Port}" } };

        using var response = await _sidecar.App.SendAsync(request, Ct);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    private static RouteTable.RouteTable SonarrTable()
    {
        var set = Lattice.Mesh.Compiler.Manifests.ManifestLoader.Load(Repository.MediaServer);
        return Lattice.Mesh.Compiler.Compilation.MeshCompiler.Compile(set.Services).RouteTables[new("media", "sonarr")];
    }
}
