using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Cli.Tests;

/// <summary>The README's main command: the seed enforced by real sidecar processes, no cluster.</summary>
public sealed class LocalMeshTests(LocalMeshTests.Mesh mesh) : IClassFixture<LocalMeshTests.Mesh>
{
    [Fact]
    public async Task SonarrCallsNzbgetAndJellyfin()
    {
        var (toNzbget, nzbget) = await mesh.Up.CallAsync("sonarr", "nzbget", TestContext.Current.CancellationToken);
        var (toJellyfin, jellyfin) = await mesh.Up.CallAsync("sonarr", "jellyfin", TestContext.Current.CancellationToken);

        Assert.Equal(200, toNzbget);
        Assert.Equal("nzbget\n", nzbget.GetProperty("body").GetString());
        Assert.Equal(200, toJellyfin);
        Assert.Equal("jellyfin\n", jellyfin.GetProperty("body").GetString());
    }

    [Theory]
    [InlineData("nzbget", "sonarr", "nzbget has no outbound agreement with sonarr")]
    [InlineData("jellyfin", "nzbget", "jellyfin has no outbound agreement with nzbget")]
    public async Task DeniedCalls_AreRefused_WithTheReason(string caller, string callee, string reason)
    {
        var (status, result) = await mesh.Up.CallAsync(caller, callee, TestContext.Current.CancellationToken);

        Assert.Equal(403, status);
        Assert.Equal(reason, result.GetProperty("headers").GetProperty("x-lattice-deny-reason").GetString());
    }

    [Fact]
    public async Task SonarrToNzbget_IsRetried()
    {
        using (var fail = await mesh.Up.Client.PostAsync(new Uri(mesh.Up.App("nzbget"), "/fail?count=2"), null, TestContext.Current.CancellationToken))
        {
            fail.EnsureSuccessStatusCode();
        }

        var (status, result) = await mesh.Up.CallAsync("sonarr", "nzbget", TestContext.Current.CancellationToken);

        Assert.Equal(200, status);
        Assert.Equal("3", result.GetProperty("headers").GetProperty("x-lattice-attempts").GetString());
    }

    [Theory]
    [InlineData("jellyfin")]
    [InlineData("nzbget")]
    [InlineData("sonarr")]
    public async Task EachSidecar_ServesTheIdentityTheControllerIssuedIt_FromAnOwnerOnlyToken(string service)
    {
        var inbound = new Uri(mesh.Up.Endpoints.GetProperty("services").GetProperty($"media/{service}").GetProperty("inbound").GetString()!);
        using var root = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(mesh.Up.Folder, "state", "ca", "ca.crt"));
        X509Certificate2? served = null;
        var trusted = false;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(inbound.Host, inbound.Port, TestContext.Current.CancellationToken);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            served = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            trusted = chain.Build(served); // issued by the mesh CA that up keeps in its state folder
            return trusted;
        });
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = service }, TestContext.Current.CancellationToken);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            // The sidecar refuses a caller without a mesh certificate, after it has shown its own.
        }

        Assert.NotNull(served);
        Assert.True(trusted, "the sidecar's certificate does not chain to the mesh CA in up's state folder");
        Assert.True(SpiffeCertificates.TryGetSpiffeId(served, out var id));
        Assert.Equal($"spiffe://lattice.local/ns/media/sa/{service}", id);
        Assert.Equal(root.Subject, served.Issuer);
        var token = Directory.EnumerateFiles(Path.Combine(mesh.Up.Folder, "state", "run"), "bootstrap-token", SearchOption.AllDirectories).Single(f => f.Contains($"media.{service}", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(token));
        }
    }

    [Theory]
    [InlineData("jellyfin")]
    [InlineData("sonarr")]
    public async Task TheIngressGateway_ServesEachHostOverTls_ToItsService(string service)
    {
        var gateway = mesh.Up.Endpoints.GetProperty("gateway");
        var https = new Uri(gateway.GetProperty("https").GetString()!);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(gateway.GetProperty("ca").GetString()!);
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, https.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            // The name must match (SNI chose the certificate), and it must chain to the ingress CA up keeps.
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && chain.Build(X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData()));
        };
        using var client = new HttpClient(handler);

        var body = await client.GetStringAsync(new Uri($"https://{service}.home.local:{https.Port}/"), TestContext.Current.CancellationToken);

        Assert.Equal($"{service}\n", body);
    }

    /// <summary>One local mesh for the class.</summary>
    public sealed class Mesh : IAsyncLifetime
    {
        public LocalMeshProcess Up { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Up = await LocalMeshProcess.StartAsync();

        public async ValueTask DisposeAsync() => await Up.DisposeAsync();
    }
}
