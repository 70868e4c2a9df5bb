using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Proxy.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>Mutual TLS on a real Kestrel (127.0.0.1, port 0) with certificates minted by the mesh CA.</summary>
public sealed class MeshTlsTests : IAsyncLifetime
{
    private const string Sonarr = "spiffe://lattice.local/ns/media/sa/sonarr";
    private const string Nzbget = "spiffe://lattice.local/ns/media/sa/nzbget";
    private const string Jellyfin = "spiffe://lattice.local/ns/media/sa/jellyfin";

    private readonly MeshCertificateAuthority _authority = TestAuthorities.Create();
    private readonly List<IDisposable> _owned = [];
    private MeshTestServer? _server;

    /// <summary>The server: nzbget's sidecar, its certificate files watched.</summary>
    private MeshCertificateStore ServerStore { get; set; } = null!;

    private CertificateFolder ServerFolder { get; set; } = null!;

    private MeshTestServer Server => _server!;

    public async ValueTask InitializeAsync()
    {
        ServerFolder = Own(CertificateFolder.With(Own(_authority.IssueWorkload(Nzbget))));
        ServerStore = Own(new MeshCertificateStore(ServerFolder.Options, NullLogger<MeshCertificateStore>.Instance));
        ServerStore.Start();
        Assert.True(ServerStore.IsReady, ServerStore.LastError);
        _server = await MeshTestServer.StartAsync(ServerStore);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _authority.Dispose();
    }

    [Fact]
    public async Task Caller_WithAMeshCertificate_IsSeenByItsSpiffeId()
    {
        var caller = CallerStore(Sonarr);
        using var client = TestClients.Mesh(caller, Nzbget);

        var first = await client.GetStringAsync(Server.Address, Cancellation);
        var second = await client.GetStringAsync(Server.Address, Cancellation);

        Assert.Equal($"{Sonarr} {caller.Current!.SerialNumber}", first);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Caller_IsIdentifiedOnEveryNewConnection_OverHttp11AndHttp2()
    {
        var caller = CallerStore(Sonarr);
        var expected = $"{Sonarr} {caller.Current!.SerialNumber}";

        foreach (var version in new[] { System.Net.HttpVersion.Version11, System.Net.HttpVersion.Version20, System.Net.HttpVersion.Version11, System.Net.HttpVersion.Version20 })
        {
            using var client = TestClients.Mesh(caller, Nzbget);
            using var request = new HttpRequestMessage(HttpMethod.Get, Server.Address) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await client.SendAsync(request, Cancellation);

            Assert.Equal(version, response.Version);
            Assert.Equal(expected, await response.Content.ReadAsStringAsync(Cancellation));
        }
    }

    [Fact]
    public async Task Caller_WithoutACertificate_CannotCompleteARequest()
    {
        await AssertPresentingWorksAsync(CallerCertificate(Sonarr));
        using var client = TestClients.Presenting(clientCertificate: null);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(Server.Address, Cancellation));

        Assert.Equal(1, Server.Handled);
    }

    [Fact]
    public async Task Caller_WithACertificateOfAnotherCa_IsRefused()
    {
        await AssertPresentingWorksAsync(CallerCertificate(Sonarr));
        using var other = TestAuthorities.Create();
        using var foreign = other.IssueWorkload(Sonarr);
        using var client = TestClients.Presenting(foreign.Certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(Server.Address, Cancellation));

        Assert.Equal(1, Server.Handled);
    }

    [Fact]
    public async Task Caller_WithAnExpiredCertificate_IsRefused()
    {
        await AssertPresentingWorksAsync(CallerCertificate(Sonarr));
        using var expired = TestAuthorities.IssueExpired(_authority, Sonarr);
        using var client = TestClients.Presenting(expired.Certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(Server.Address, Cancellation));

        Assert.Equal(1, Server.Handled);
    }

    [Fact]
    public async Task Caller_WithAMeshCaCertificateButNoSpiffeId_IsRefused()
    {
        await AssertPresentingWorksAsync(CallerCertificate(Sonarr));
        using var crafted = CraftedCertificates.SignedBy(_authority, "https://sonarr.media.svc/");
        using var client = TestClients.Presenting(crafted);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(Server.Address, Cancellation));

        Assert.Equal(1, Server.Handled);
    }

    [Fact]
    public async Task Client_ExpectingOneService_RefusesAServerThatIsAnother()
    {
        var caller = CallerStore(Sonarr);
        using (var right = TestClients.Mesh(caller, Nzbget))
        {
            Assert.StartsWith(Sonarr, await right.GetStringAsync(Server.Address, Cancellation), StringComparison.Ordinal);
        }

        using var wrong = TestClients.Mesh(caller, Jellyfin);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => wrong.GetStringAsync(Server.Address, Cancellation));

        Assert.IsType<AuthenticationException>(error.InnerException);
        Assert.Equal(1, Server.Handled);
    }

    [Fact]
    public async Task Client_RefusesAServerOfAnotherCa_EvenWithTheExpectedSpiffeId()
    {
        using var other = TestAuthorities.Create();
        using var impostor = other.IssueWorkload(Nzbget);
        using var impostorFolder = CertificateFolder.With(impostor);
        using var impostorStore = new MeshCertificateStore(impostorFolder.Options, NullLogger<MeshCertificateStore>.Instance);
        Assert.True(impostorStore.TryReload(out var failure), failure);
        await using var impostorServer = await MeshTestServer.StartAsync(impostorStore);
        using var client = TestClients.Mesh(CallerStore(Sonarr), Nzbget);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(impostorServer.Address, Cancellation));

        Assert.Equal(0, impostorServer.Handled);
    }

    [Fact]
    public async Task Server_WithoutACertificateYet_RefusesEveryHandshake()
    {
        using var empty = new CertificateFolder();
        using var store = new MeshCertificateStore(empty.Options, NullLogger<MeshCertificateStore>.Instance);
        store.Start();
        await using var server = await MeshTestServer.StartAsync(store);
        using var client = TestClients.Presenting(CallerCertificate(Sonarr));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(server.Address, Cancellation));

        Assert.Equal(0, server.Handled);
    }

    [Fact]
    public async Task Server_RotatesItsCertificateWithoutRestart_AndRefusesBadFiles()
    {
        var caller = CallerStore(Sonarr);
        var before = await ServerSerialAsync(caller);
        Assert.Equal(ServerStore.Current!.SerialNumber, before, ignoreCase: true);

        // Rotation: a new key, the same identity, written while the server runs.
        using var renewed = _authority.IssueWorkload(Nzbget);
        ServerFolder.Write(renewed);
        await MeshCertificateStoreTests.UntilAsync(ServerStore, s => s.Current?.SerialNumber == renewed.SerialNumber);

        var after = await ServerSerialAsync(caller);
        Assert.NotEqual(before, after, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(renewed.SerialNumber, after, ignoreCase: true);

        // A corrupt certificate file: refused, and the renewed certificate keeps being served.
        CertificateFolder.WriteFile(ServerFolder.CertificatePath, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        Assert.False(ServerStore.TryReload(out var failure));
        Assert.Contains(ServerFolder.CertificatePath, failure, StringComparison.Ordinal);
        Assert.Equal(renewed.SerialNumber, await ServerSerialAsync(caller), ignoreCase: true);

        // A key that is not the certificate's: refused too.
        using var stranger = _authority.IssueWorkload(Nzbget);
        CertificateFolder.WriteFile(ServerFolder.CertificatePath, renewed.CertificateChainPem);
        CertificateFolder.WriteFile(ServerFolder.KeyPath, stranger.ExportPrivateKeyPem());
        Assert.False(ServerStore.TryReload(out failure));
        Assert.Contains(ServerFolder.KeyPath, failure, StringComparison.Ordinal);
        Assert.Equal(renewed.SerialNumber, await ServerSerialAsync(caller), ignoreCase: true);
        Assert.Equal(renewed.SerialNumber, ServerStore.Current!.SerialNumber);
    }

    [Fact]
    public async Task Client_RotatesItsCertificateWithoutANewHandler()
    {
        var folder = Own(CertificateFolder.With(Own(_authority.IssueWorkload(Sonarr))));
        var caller = Own(new MeshCertificateStore(folder.Options, NullLogger<MeshCertificateStore>.Instance));
        caller.Start();
        var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero };
        MeshTls.ConfigureClient(handler.SslOptions, caller, Nzbget);
        using var client = new HttpClient(handler) { Timeout = TestClients.Timeout };
        var before = caller.Current!.SerialNumber;
        Assert.Equal($"{Sonarr} {before}", await client.GetStringAsync(Server.Address, Cancellation));

        using var renewed = _authority.IssueWorkload(Sonarr);
        folder.Write(renewed);
        await MeshCertificateStoreTests.UntilAsync(caller, s => s.Current?.SerialNumber == renewed.SerialNumber);

        // PooledConnectionLifetime zero: the same handler opens a new connection, presenting the new certificate.
        Assert.Equal($"{Sonarr} {renewed.SerialNumber}", await client.GetStringAsync(Server.Address, Cancellation));
    }

    [Fact]
    public void CallerSpiffeId_IsNull_ForACertificateNoMeshListenerChecked()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        var context = new DefaultHttpContext();

        Assert.Null(context.GetCallerSpiffeId());

        context.Connection.ClientCertificate = issued.Certificate;
        Assert.Null(context.GetCallerSpiffeId());
    }

    [Fact]
    public void ConfigureClient_RefusesAnExpectedIdThatIsNoSpiffeId()
    {
        var options = new SslClientAuthenticationOptions();

        var error = Assert.Throws<ArgumentException>(() => MeshTls.ConfigureClient(options, ServerStore, "nzbget.media.svc"));

        Assert.Equal("expectedServerSpiffeId", error.ParamName);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A caller's sidecar store, loaded from its own files.</summary>
    private MeshCertificateStore CallerStore(string spiffeId)
    {
        var folder = Own(CertificateFolder.With(Own(_authority.IssueWorkload(spiffeId))));
        var store = Own(new MeshCertificateStore(folder.Options, NullLogger<MeshCertificateStore>.Instance));
        Assert.True(store.TryReload(out var failure), failure);
        return store;
    }

    private X509Certificate2 CallerCertificate(string spiffeId) =>
        Own(_authority.IssueWorkload(spiffeId)).Certificate;

    /// <summary>The control for each refusal: the same client, with a good certificate, gets through.</summary>
    private async Task AssertPresentingWorksAsync(X509Certificate2 certificate)
    {
        using var client = TestClients.Presenting(certificate);
        Assert.Equal($"{Sonarr} {certificate.SerialNumber}", await client.GetStringAsync(Server.Address, Cancellation));
    }

    /// <summary>The serial number of the certificate the server presents to a new connection.</summary>
    private async Task<string> ServerSerialAsync(MeshCertificateStore caller)
    {
        string? serial = null;
        using var client = TestClients.Mesh(caller, Nzbget, s => serial = s);
        Assert.StartsWith(caller.Current!.SpiffeId, await client.GetStringAsync(Server.Address, Cancellation), StringComparison.Ordinal);
        return serial ?? throw new InvalidOperationException("the client accepted no server certificate");
    }
}
