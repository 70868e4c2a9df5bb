using System.Collections.Concurrent;
using System.Net;
using System.Security.Authentication;
using Lattice.Mesh.Proxy.Gateway;
using Lattice.Mesh.Proxy.Tests.Security;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// The gateway's public certificates over real TLS: Kestrel selects by SNI through <see cref="GatewayCertificates.Select"/>,
/// clients trust only the test CA and check the host name, and Secrets change under the running server as the kubelet
/// changes them.
/// </summary>
public sealed class GatewayTlsTests : IDisposable
{
    private const string Jellyfin = "jellyfin.home.local";
    private const string Sonarr = "sonarr.home.local";

    /// <summary>Long enough for a loaded 2-core machine; only reached when something is broken.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TestWebPki _pki = new();
    private readonly TlsSecretMounts _mounts = new();
    private readonly ListLogger<GatewayCertificates> _log = new();

    public void Dispose()
    {
        _mounts.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task Serves_EachHostItsOwnCertificate_BySni()
    {
        var jellyfin = _pki.Issue([Jellyfin]);
        var sonarr = _pki.Issue([Sonarr]);
        _mounts.Publish("jellyfin-tls", jellyfin);
        _mounts.Publish("sonarr-tls", sonarr);
        using var certificates = Started();
        await using var server = await GatewayTlsServer.StartAsync(certificates, _pki);
        var presented = new ConcurrentQueue<string>();
        using var client = server.Client(presented.Enqueue);

        Assert.Equal(Jellyfin, await client.GetStringAsync(server.Url(Jellyfin), Ct));
        Assert.Equal(Sonarr, await client.GetStringAsync(server.Url(Sonarr), Ct));

        Assert.Equal([jellyfin.SerialNumber, sonarr.SerialNumber], presented);
        Assert.Equal(jellyfin.SerialNumber, await server.HandshakeAsync(Jellyfin));
        Assert.Equal(sonarr.SerialNumber, await server.HandshakeAsync("SONARR.home.local"));
        Assert.Equal([Jellyfin, Sonarr], certificates.Hosts);
        Assert.Equal((true, null), certificates.Check(Jellyfin));
    }

    [Fact]
    public async Task Serves_AWildcard_ForOneLabel_AndPrefersAnExactName()
    {
        var wildcard = _pki.Issue(["*.home.local"]);
        var jellyfin = _pki.Issue([Jellyfin]);
        _mounts.Publish("home-wildcard", wildcard);
        _mounts.Publish("jellyfin-tls", jellyfin);
        using var certificates = Started();
        await using var server = await GatewayTlsServer.StartAsync(certificates, _pki);
        using var client = server.Client();

        Assert.Equal("radarr.home.local", await client.GetStringAsync(server.Url("radarr.home.local"), Ct));
        Assert.Equal(wildcard.SerialNumber, await server.HandshakeAsync("radarr.home.local"));
        Assert.Equal(wildcard.SerialNumber, await server.HandshakeAsync(Sonarr));
        Assert.Equal(jellyfin.SerialNumber, await server.HandshakeAsync(Jellyfin));

        // A wildcard covers exactly one label: neither the bare domain nor a deeper name.
        await AssertRefusedAsync(server, "home.local");
        await AssertRefusedAsync(server, "a.b.home.local");
    }

    [Fact]
    public async Task FailsTheHandshake_ForAnUnknownName_OrNoName()
    {
        _mounts.Publish("jellyfin-tls", _pki.Issue([Jellyfin]));
        using var certificates = Started();
        await using var server = await GatewayTlsServer.StartAsync(certificates, _pki);
        using var client = server.Client();

        await AssertRefusedAsync(server, "unknown.home.lan");
        await AssertRefusedAsync(server, "127.0.0.1"); // an IP address: the client sends no SNI
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(server.Url("unknown.home.lan"), Ct));

        // The server is fine: a known name still works after the refusals.
        Assert.Equal(Jellyfin, await client.GetStringAsync(server.Url(Jellyfin), Ct));
    }

    [Fact]
    public async Task Rotates_WhenTheSecretChanges_WithoutRestart_AndWithoutAFailedRequest()
    {
        var first = _pki.Issue([Jellyfin]);
        var second = _pki.Issue([Jellyfin]);
        _mounts.Publish("jellyfin-tls", first);
        using var certificates = Started();
        await using var server = await GatewayTlsServer.StartAsync(certificates, _pki);
        var presented = new ConcurrentQueue<string>();
        using var client = server.Client(presented.Enqueue);
        var failures = new ConcurrentQueue<string>();
        var succeeded = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        // Each request on a new connection, so each is a new handshake.
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, server.Url(Jellyfin));
                    request.Headers.ConnectionClose = true;
                    using var response = await client.SendAsync(request, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                    else
                    {
                        failures.Enqueue($"status {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Enqueue(e.ToString());
                }
            }
        }, Ct);

        await Eventually.Async(() => Task.FromResult(Volatile.Read(ref succeeded) >= 3), "requests with the first certificate", Deadline);
        var changed = certificates.GetChangeToken();
        _mounts.Publish("jellyfin-tls", second);

        await Eventually.Async(async () => await server.HandshakeAsync(Jellyfin) == second.SerialNumber, "a new handshake to present the rotated certificate", Deadline);
        Assert.True(changed.HasChanged);
        await Eventually.Async(() => Task.FromResult(presented.Contains(second.SerialNumber)), "the request loop to meet the rotated certificate", Deadline);
        var afterRotation = Volatile.Read(ref succeeded);
        await Eventually.Async(() => Task.FromResult(Volatile.Read(ref succeeded) >= afterRotation + 3), "more requests after the rotation", Deadline);
        await stop.CancelAsync();
        await traffic;

        Assert.Empty(failures);
        Assert.Contains(first.SerialNumber, presented);
        Assert.Equal(1, _log.Lines.Count(l => l.Id.Id == 6101 && l.Message.Contains(second.SerialNumber, StringComparison.Ordinal)));
    }

    public static TheoryData<string, string> BadReplacements => new()
    {
        { "key of another certificate", "cannot be used with the certificate" },
        { "expired", "expired on" },
        { "not yet valid", "is not valid before" },
        { "not PEM", "holds no certificate" },
        { "no DNS name", "names no DNS host" },
    };

    [Theory]
    [MemberData(nameof(BadReplacements))]
    public async Task KeepsTheLastGoodCertificate_WhenAReplacementIsBad_AndLogsWhy(string replacement, string reason)
    {
        var good = _pki.Issue([Jellyfin]);
        var sonarr = _pki.Issue([Sonarr]);
        _mounts.Publish("jellyfin-tls", good);
        _mounts.Publish("sonarr-tls", sonarr);
        using var certificates = Started();
        await using var server = await GatewayTlsServer.StartAsync(certificates, _pki);
        var now = DateTimeOffset.UtcNow;
        var other = _pki.Issue([Jellyfin]);
        (string Crt, string Key) bad = replacement switch
        {
            "key of another certificate" => (good.CertificatePem, other.KeyPem),
            "expired" => Pem(_pki.Issue([Jellyfin], now.AddDays(-2), now.AddHours(-1))),
            "not yet valid" => Pem(_pki.Issue([Jellyfin], now.AddDays(1), now.AddDays(2))),
            "not PEM" => ("not a certificate", other.KeyPem),
            _ => Pem(IssueWithoutDnsName()),
        };

        _mounts.Publish("jellyfin-tls", bad.Crt, bad.Key);

        await Eventually.Async(() => Task.FromResult(_log.Count(6102) > 0), "the bad replacement to be refused", Deadline);
        var refusal = Assert.Single(_log.Lines, l => l.Id.Id == 6102).Message;
        Assert.Contains("'jellyfin-tls'", refusal, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_mounts.Path, "jellyfin-tls"), refusal, StringComparison.Ordinal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
        Assert.Contains($"serial {good.SerialNumber}", refusal, StringComparison.Ordinal);
        Assert.Contains(reason, certificates.Refused["jellyfin-tls"], StringComparison.Ordinal);

        Assert.Equal(good.SerialNumber, await server.HandshakeAsync(Jellyfin));
        Assert.Equal(sonarr.SerialNumber, await server.HandshakeAsync(Sonarr));
        var (ok, problem) = certificates.Check(Jellyfin);
        Assert.True(ok);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.Equal((true, null), certificates.Check(Sonarr));

        // A poll reads the same bad files again: not logged again. No key material is ever logged.
        Assert.False(certificates.TryReload(out var failure));
        Assert.Contains(reason, failure, StringComparison.Ordinal);
        Assert.Equal(1, _log.Count(6102));
        Assert.DoesNotContain(_log.Lines, l => l.Message.Contains("PRIVATE KEY", StringComparison.Ordinal) || l.Message.Contains(KeyBody(other.KeyPem), StringComparison.Ordinal));

        // Fixed: the good files again are in force, and the refusal is forgotten.
        var fixedCertificate = _pki.Issue([Jellyfin]);
        _mounts.Publish("jellyfin-tls", fixedCertificate);
        await Eventually.Async(async () => await server.HandshakeAsync(Jellyfin) == fixedCertificate.SerialNumber, "the fixed certificate", Deadline);
        Assert.Empty(certificates.Refused);
        Assert.Equal((true, null), certificates.Check(Jellyfin));

        static (string, string) Pem(IssuedServerCertificate c) => (c.CertificatePem, c.KeyPem);
        static string KeyBody(string pem) => pem.Split('\n')[1];
    }

    [Fact]
    public async Task SelectContext_SendsTheIntermediatesOfTlsCrt_WhichSelectDoesNot()
    {
        var chained = _pki.IssueViaIntermediate([Jellyfin]);
        _mounts.Publish("jellyfin-tls", chained);
        using var certificates = Started();
        await using var withChain = await GatewayTlsServer.StartAsync(certificates, _pki, withChain: true);
        await using var leafOnly = await GatewayTlsServer.StartAsync(certificates, _pki);
        using var client = withChain.Client();

        Assert.Equal(chained.SerialNumber, await withChain.HandshakeAsync(Jellyfin));
        Assert.Equal(Jellyfin, await client.GetStringAsync(withChain.Url(Jellyfin), Ct));
        await AssertRefusedAsync(withChain, "unknown.home.lan");

        // Through Select the client gets the certificate alone, cannot reach its root, and refuses it.
        var presented = new List<string>();
        await Assert.ThrowsAsync<AuthenticationException>(() => leafOnly.HandshakeAsync(Jellyfin, presented.Add));
        Assert.Equal([chained.SerialNumber], presented);
    }

    private static async Task AssertRefusedAsync(GatewayTlsServer server, string serverName)
    {
        var presented = new List<string>();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => server.HandshakeAsync(serverName, presented.Add));
        Assert.True(e is AuthenticationException or IOException, e.ToString());
        Assert.Empty(presented); // refused by the server, not by the client's check
    }

    private IssuedServerCertificate IssueWithoutDnsName()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=" + Jellyfin, key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(_pki.Root, now.AddHours(-1), now.AddDays(1), [1, 2, 3, 4]);
        return new IssuedServerCertificate(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), certificate.SerialNumber);
    }

    /// <summary>Started with a long poll: every change these tests see comes through the watcher.</summary>
    private GatewayCertificates Started()
    {
        var certificates = new GatewayCertificates(
            new GatewayCertificateOptions { Folder = _mounts.Path, PollInterval = TimeSpan.FromMinutes(10), ReloadDelay = TimeSpan.FromMilliseconds(50) },
            _log);
        certificates.Start();
        return certificates;
    }
}
