using System.Net;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>
/// Sidecars that start with only a bootstrap token and the trust bundle, as in <c>lattice-mesh up</c>, on the media
/// stack: the controller issues each its own identity, of <see cref="Validity"/>.
/// </summary>
public abstract class IssuedCertificateMesh(TimeSpan validity) : IAsyncLifetime
{
    private readonly RouteTableDistributor _distributor = new();
    private readonly BootstrapTokens _tokens = new();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-issued-");
    private readonly Pki _pki = Pki.Create();
    private protected PushController? _controller;
    private protected MediaMesh _mesh = null!;

    protected TimeSpan Validity => validity;

    private protected Pki Pki => _pki;

    public async ValueTask InitializeAsync()
    {
        _controller = await PushController.StartAsync(_pki, _folder.FullName, _distributor, tokens: _tokens, validity: validity);
        _mesh = await MediaMesh.StartPushedAsync(_controller, _distributor, _pki, _tokens);
    }

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        _folder.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

}

/// <summary>Bootstrapped sidecars with hour-long certificates: identity, enforcement, and a restart without the controller.</summary>
public sealed class IssuedCertificateTests() : IssuedCertificateMesh(TimeSpan.FromHours(1))
{
    [Fact]
    public void EachSidecar_IsIssuedItsOwnServicesIdentity_AndKeepsTheKeyToItself()
    {
        foreach (var (name, sidecar) in _mesh.Sidecars)
        {
            using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(sidecar.Folder, "tls.crt"), Path.Combine(sidecar.Folder, "tls.key")); // the key is the one certified
            Assert.True(SpiffeCertificates.TryGetSpiffeId(certificate, out var id));
            Assert.Equal($"spiffe://lattice.local/ns/media/sa/{name}", id);
            Assert.Equal(Pki.Root.Thumbprint, ChainRoot(certificate, Pki.Root));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(sidecar.Folder, "tls.key")));
            }
        }
    }

    [Fact]
    public async Task TheSeed_IsEnforced_BetweenSidecarsWithIssuedCertificates()
    {
        using var allowed = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");
        using var denied = await _mesh.CallAsync("nzbget", "http://sonarr:8989/");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public async Task ASidecarRestartedWhileTheControllerIsDown_ServesWithTheCertificateItWasIssued()
    {
        await _controller!.DisposeAsync();
        _controller = null;
        var old = _mesh.Sidecars["sonarr"];
        var folder = old.Folder;
        var uri = new Uri(_mesh.Sidecars["nzbget"].Server.InboundUri, "/");
        await old.DisposeAsync();

        var restarted = await Sidecar.RestartAsync(folder, o => o with { ControllerUri = new Uri("https://127.0.0.1:9"), BootstrapTokenPath = Path.Combine(folder, "token") }, new Dictionary<int, int> { [8989] = _mesh.Apps["sonarr"].Port });
        _mesh.Sidecars["sonarr"] = restarted;

        Assert.True(restarted.Server.Services.GetService(typeof(MeshCertificateStore)) is MeshCertificateStore { IsReady: true });
        using var allowed = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");
        Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{allowed.StatusCode}: {await allowed.Content.ReadAsStringAsync(Ct)} (calling {uri})");
    }

    private static string ChainRoot(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(certificate) ? chain.ChainElements[^1].Certificate.Thumbprint : "no chain";
    }
}

/// <summary>
/// Bootstrapped sidecars with 4-second certificates, so that renewal at half-life happens twice within the test while
/// requests keep flowing.
/// </summary>
public sealed class IssuedCertificateRenewalTests() : IssuedCertificateMesh(TimeSpan.FromSeconds(4))
{
    [Fact]
    public async Task Certificates_AreRenewedBeforeTheyExpire_WithoutADroppedRequest()
    {
        // Every round: a call through the sidecar pair (a pooled connection), and a new handshake straight to nzbget's
        // inbound, which shows the certificate it serves at that moment; the client refuses an expired one.
        var served = new HashSet<string>();
        var failures = new List<string>();
        var nzbget = _mesh.Sidecars["nzbget"];
        var deadline = DateTime.UtcNow + (Validity * 4);

        // Traffic at a steady 40 rounds a second: NZBGet lets Sonarr in 1000 times a minute, and an unpaced loop on a
        // fast machine goes over that within the test's 16 seconds (its 429s would then count as failures).
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(25));
        while (served.Count < 3 && DateTime.UtcNow < deadline)
        {
            using (var viaSidecars = await _mesh.CallAsync("sonarr", "http://nzbget:6789/"))
            {
                if (viaSidecars.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"through the sidecars: {(int)viaSidecars.StatusCode} {await viaSidecars.Content.ReadAsStringAsync(Ct)}");
                }
            }

            string? serial = null;
            using var direct = Pki.InboundClient("spiffe://lattice.local/ns/media/sa/sonarr", "spiffe://lattice.local/ns/media/sa/nzbget", s => serial = s);
            try
            {
                using var response = await direct.GetAsync(new Uri(nzbget.Server.InboundUri, "/"), Ct);
                served.Add(serial!);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"new handshake: {(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException e)
            {
                failures.Add($"new handshake failed: {e.Message}");
            }

            await pace.WaitForNextTickAsync(Ct);
        }

        Assert.Empty(failures);
        Assert.True(served.Count >= 3, $"nzbget served {served.Count} certificates in {Validity * 4}; it should have renewed at least twice");
    }
}
