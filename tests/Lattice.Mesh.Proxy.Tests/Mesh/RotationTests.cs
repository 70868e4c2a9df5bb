using System.Net;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

public sealed class RotationTests : IAsyncLifetime
{
    private MediaMesh _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MediaMesh.StartAsync();

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task CertificatesRotate_WithoutARestart_AndWithoutAFailedRequest()
    {
        var nzbget = _mesh.Sidecars["nzbget"];
        var store = nzbget.Server.Services.GetRequiredService<MeshCertificateStore>();
        var before = store.Current!.Certificate.SerialNumber;
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var sent = 0;
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");
                Interlocked.Increment(ref sent);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, Ct);

        // A new key and certificate for the same identity, written as a controller would.
        _mesh.Pki.WriteWorkloadFiles(nzbget.Folder, "spiffe://lattice.local/ns/media/sa/nzbget");
        await Eventually.Async(() => Task.FromResult(store.Current!.Certificate.SerialNumber != before), "the new certificate to be in force");

        // A new connection is served the new certificate.
        string? presented = null;
        using (var client = _mesh.Pki.InboundClient("spiffe://lattice.local/ns/media/sa/sonarr", "spiffe://lattice.local/ns/media/sa/nzbget", serial => presented = serial))
        using (var response = await client.GetAsync(nzbget.Server.InboundUri, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var sentBefore = Volatile.Read(ref sent);
        await Eventually.Async(() => Task.FromResult(Volatile.Read(ref sent) > sentBefore + 20), "traffic after the rotation");
        await stop.CancelAsync();
        await traffic;

        Assert.Equal(store.Current!.Certificate.SerialNumber, presented);
        Assert.NotEqual(before, presented);
        Assert.Equal(0, failures);
    }
}
