using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// The ingress gateway end to end over real TLS and real mesh mTLS: client → gateway (public certificate by SNI) →
/// the service's sidecar (as lattice-system/lattice-gateway, which the compiler admitted for services with ingress) →
/// the app.
/// </summary>
public sealed class GatewayServerTests
{
    private const string Jellyfin = GatewayMesh.Jellyfin;
    private const string Sonarr = GatewayMesh.Sonarr;

    [Fact]
    public async Task Routes_EachHost_ToItsServicesApp_ThroughItsSidecar_OverHttp1AndHttp2()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var http1 = gateway.Client();
        using var http2 = gateway.Client(HttpVersion.Version20);

        foreach (var client in new[] { http1, http2 })
        {
            using var jellyfin = await client.GetAsync(gateway.Url(Jellyfin, "/web/index.html"), Ct);
            // Uri lower-cases its host, so the Host header is set by hand: routing ignores case and the port.
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(Sonarr, "/api/v3/series?x=1"));
            request.Headers.Host = $"SONARR.Home.Local:{gateway.Server.HttpsUri.Port}";
            using var sonarr = await client.SendAsync(request, Ct);

            Assert.Equal(HttpStatusCode.OK, jellyfin.StatusCode);
            Assert.Equal("jellyfin", await jellyfin.Content.ReadAsStringAsync(Ct));
            Assert.Equal(client.DefaultRequestVersion, jellyfin.Version);
            Assert.Equal(HttpStatusCode.OK, sonarr.StatusCode);
            Assert.Equal("sonarr", await sonarr.Content.ReadAsStringAsync(Ct));
        }

        var received = gateway.Mesh.Apps["sonarr"].Received.Last();
        Assert.Equal("/api/v3/series", received.Path);
        Assert.Equal("SONARR.Home.Local", received.Host); // the name kept, the port dropped: a client may not pick the service port
        Assert.Equal(GatewayMesh.GatewayId, received.Headers["x-lattice-caller"]);
        Assert.Equal("https", received.Headers["X-Forwarded-Proto"]);
        Assert.Equal("127.0.0.1", received.Headers["X-Forwarded-For"]);
        Assert.Equal($"SONARR.Home.Local:{gateway.Server.HttpsUri.Port}", received.Headers["X-Forwarded-Host"]);
        Assert.Empty(gateway.Mesh.Apps["jellyfin"].Received);
    }

    [Fact]
    public async Task ReplacesForwardedHeaders_TheClientSent()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(Jellyfin));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.9.9.9");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "gopher");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = gateway.Media.Received.Last();
        Assert.Equal("127.0.0.1", headers["X-Forwarded-For"]);
        Assert.Equal("https", headers["X-Forwarded-Proto"]);
    }

    [Fact]
    public async Task Http_RedirectsAKnownHost_ToHttps_With308()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var client = gateway.HttpClient();

        using var get = await client.GetAsync(new Uri($"http://{Jellyfin}:{gateway.Server.HttpUri.Port}/web/index.html?a=1&b=%20"), Ct);
        using var post = await client.PostAsync(new Uri($"http://Sonarr.Home.Local:{gateway.Server.HttpUri.Port}/api"), new StringContent("x"), Ct);

        Assert.Equal(HttpStatusCode.PermanentRedirect, get.StatusCode);
        Assert.Equal(new Uri("https://jellyfin.home.local/web/index.html?a=1&b=%20"), get.Headers.Location);
        Assert.Equal(HttpStatusCode.PermanentRedirect, post.StatusCode);
        Assert.Equal(new Uri("https://sonarr.home.local/api"), post.Headers.Location);
        Assert.Empty(gateway.Media.Received);
    }

    [Fact]
    public async Task Http_RedirectsToTheBoundHttpsPort_WhenThePublicPortIsZero()
    {
        // Locally (lattice-mesh up) the HTTPS port is chosen at start and nothing stands in front of the gateway.
        await using var gateway = await GatewayMesh.StartAsync(o => o with { PublicHttpsPort = 0 });
        using var client = gateway.HttpClient();

        using var get = await client.GetAsync(new Uri($"http://{Jellyfin}:{gateway.Server.HttpUri.Port}/web/index.html"), Ct);

        Assert.Equal(HttpStatusCode.PermanentRedirect, get.StatusCode);
        Assert.Equal(new Uri($"https://jellyfin.home.local:{gateway.Server.HttpsUri.Port}/web/index.html"), get.Headers.Location);
    }

    [Fact]
    public async Task UnknownHost_Gets404_NamingOnlyThatHost_OverHttpsAndHttp()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var https = gateway.Client();
        using var http = gateway.HttpClient();

        // *.home.local has a certificate, so the handshake succeeds and the request reaches routing.
        using var overHttps = await https.GetAsync(gateway.Url("radarr.home.local"), Ct);
        using var overHttp = await http.GetAsync(new Uri($"http://radarr.home.local:{gateway.Server.HttpUri.Port}/"), Ct);

        foreach (var response in new[] { overHttps, overHttp })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Null(response.Headers.Location);
            var body = await response.Content.ReadAsStringAsync(Ct);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("no_route", json.RootElement.GetProperty("error").GetString());
            Assert.Equal("no route for host radarr.home.local", json.RootElement.GetProperty("reason").GetString());
            Assert.Contains("ingress.hosts", json.RootElement.GetProperty("fix").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(Jellyfin, body, StringComparison.Ordinal);
            Assert.DoesNotContain(Sonarr, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RangeRequest_Gets206_WithExactlyThoseBytes()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var client = gateway.Client(HttpVersion.Version20);
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(Jellyfin, "/video"));
        request.Headers.Range = new RangeHeaderValue(500_000, 599_999);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(new ContentRangeHeaderValue(500_000, 599_999, MediaApp.Video.Length), response.Content.Headers.ContentRange);
        Assert.Equal(MediaApp.Video.AsSpan(500_000, 100_000).ToArray(), await response.Content.ReadAsByteArrayAsync(Ct));

        using var whole = await client.GetAsync(gateway.Url(Jellyfin, "/video"), Ct);
        Assert.Equal("bytes", Assert.Single(whole.Headers.AcceptRanges));
        Assert.Equal(MediaApp.Video, await whole.Content.ReadAsByteArrayAsync(Ct));
    }

    public static TheoryData<string> HttpVersions => ["1.1", "2.0"];

    /// <summary>Over HTTP/2 the client opens the WebSocket with extended CONNECT (RFC 8441); the gateway upgrades over HTTP/1.1 towards the sidecar.</summary>
    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task WebSocket_EchoesThroughGatewayAndSidecar(string version)
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var invoker = new HttpMessageInvoker(gateway.Handler());
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = Version.Parse(version);
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        var url = gateway.Url(Jellyfin, "/socket");

        await socket.ConnectAsync(new UriBuilder(url) { Scheme = "wss" }.Uri, invoker, Ct);
        var buffer = new byte[1024];
        foreach (var message in new[] { "hello", "jellyfin over the mesh" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, Ct);
            var received = await socket.ReceiveAsync(buffer, Ct);
            Assert.Equal(message, Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(GatewayMesh.GatewayId, gateway.Media.Received.Last()["x-lattice-caller"]);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    public async Task LargeUpload_Streams_ThroughGatewayAndSidecar(int megabytes)
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var client = gateway.Client();
        using var response = await client.SendAsync(Upload(gateway.Url(Jellyfin, "/upload"), megabytes), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((megabytes << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>
    /// The gateway alone (its sidecar replaced by a mesh mTLS server with Jellyfin's identity and no body limit): a
    /// 40 MB upload streams through, and the receiver sees the first of it before the client sends the rest.
    /// </summary>
    [Fact]
    public async Task LargeUpload_Streams_ThroughTheGateway_WithoutBuffering()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        var upload = new GatedUpload(length: 40 << 20, gateAt: 1 << 20);
        var folder = Directory.CreateTempSubdirectory("lattice-gw-backend-");
        using var cleanup = new FolderCleanup(folder);
        var jellyfinId = SpiffeId.For(SpiffeId.DefaultTrustDomain, "media", "jellyfin");
        gateway.Mesh.Pki.WriteWorkloadFiles(folder.FullName, jellyfinId);
        using var store = new MeshCertificateStore(MeshCertificateOptions.InFolder(folder.FullName), Microsoft.Extensions.Logging.Abstractions.NullLogger<MeshCertificateStore>.Instance);
        store.Start();
        await using var backend = await LoopbackServer.StartAsync(
            async context =>
            {
                context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    total += read;
                    // Half of what the client has sent so far: the proxies' last write buffers may not be flushed yet.
                    if (total >= 512 << 10)
                    {
                        upload.Open();
                    }
                }

                await context.Response.WriteAsync($"{total} from {context.GetCallerSpiffeId()}", context.RequestAborted);
            },
            HttpProtocols.Http1AndHttp2,
            listen => listen.UseHttps(https => MeshTls.ConfigureServer(https, store)));
        var table = gateway.GatewayTableWithJellyfinAt(backend.Address.Port);
        Assert.True(gateway.Server.TryApply(table, out var failure), failure);
        using var client = gateway.Client(HttpVersion.Version20);
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Url(Jellyfin, "/upload")) { Content = new StreamContent(upload) };

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{40 << 20} from {GatewayMesh.GatewayId}", await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>
    /// Jellyfin's sidecar stalls (a stand-in with its identity that holds every request): ten requests at once get no
    /// more connections than the cap, and those waiting for one are answered once it resumes.
    /// </summary>
    [Fact]
    public async Task AStalledSidecar_GetsNoMoreConnectionsThanTheCap_AndTheRequestsWaitingForOneAreServed()
    {
        const int cap = 4;
        await using var gateway = await GatewayMesh.StartAsync(o => o with { MaxSidecarConnections = cap });
        await using var sidecar = await Security.MeshTestServer.StartAsAsync(gateway.Mesh.Pki.Authority, SpiffeId.For(SpiffeId.DefaultTrustDomain, "media", "jellyfin"));
        Assert.True(gateway.Server.TryApply(gateway.GatewayTableWithJellyfinAt(sidecar.Address.Port), out var failure), failure);
        using var client = gateway.Client(HttpVersion.Version20);

        var statuses = await sidecar.StallWhileAsync(calls: 10, held: cap, async i =>
        {
            using var response = await client.GetAsync(gateway.Url(Jellyfin, $"/Items/{i}/Images/Primary"), Ct);
            return response.StatusCode;
        }, Ct);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(cap, sidecar.Connections);
    }

    private static HttpRequestMessage Upload(Uri url, int megabytes)
    {
        var body = new byte[megabytes << 20];
        body.AsSpan().Fill(7);

        // Chunked, so nothing on the way can count on a Content-Length.
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StreamContent(new MemoryStream(body)) };
        request.Headers.TransferEncodingChunked = true;
        return request;
    }

    [Fact]
    public async Task Gateway_IsDenied_ByAServiceWithoutIngress_WhenATablePointsAtItByHand()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        var nzbget = gateway.Mesh.Compilation.RouteTables[new Compiler.Model.ServiceId("media", "nzbget")];
        var table = gateway.GatewayTableWith(hosts => hosts.Append(new GatewayHost
        {
            Host = "nzbget.home.local",
            Service = "media/nzbget",
            Address = $"127.0.0.1:{gateway.Mesh.Sidecars["nzbget"].Server.InboundUri.Port}",
            SpiffeId = nzbget.Service.SpiffeId,
            Port = 6789,
            Tls = new IngressTls { Mode = IngressTlsMode.Manual, SecretName = "home-wildcard" },
        }));
        Assert.True(gateway.Server.TryApply(table, out var failure), failure);
        using var client = gateway.Client();

        using var response = await client.GetAsync(gateway.Url("nzbget.home.local", "/api"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("no inbound agreement with lattice-system/lattice-gateway", Assert.Single(response.Headers.GetValues("x-lattice-deny-reason")), StringComparison.Ordinal);
        Assert.Empty(gateway.Mesh.Apps["nzbget"].Received);
    }

    [Fact]
    public async Task RateLimitedHost_Gets429_WithRetryAfter_OthersUnaffected()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        var table = gateway.GatewayTableWith(hosts => hosts.Select(h => h.Host == Sonarr ? h with { RateLimit = RateLimitPolicy.Divide(2, 60, null, 1) } : h));
        Assert.True(gateway.Server.TryApply(table, out var failure), failure);
        using var client = gateway.Client();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 3; i++)
        {
            var response = await client.GetAsync(gateway.Url(Sonarr), Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        using (limited)
        {
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
            Assert.True(limited!.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After was {limited.Headers.RetryAfter}");
            Assert.Contains("ingress.rateLimit", await limited.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using var jellyfin = await client.GetAsync(gateway.Url(Jellyfin), Ct);
        Assert.Equal(HttpStatusCode.OK, jellyfin.StatusCode);
        Assert.Equal(2, gateway.Mesh.Apps["sonarr"].Received.Count);
    }

    [Fact]
    public async Task InvalidTable_IsRefused_AndTheLastGoodOneKeepsServing()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        var before = gateway.Server.Revision;
        var table = gateway.GatewayTableWith(hosts => hosts.Select(h => h.Host == Jellyfin ? h with { Address = "not an address" } : h));

        Assert.False(gateway.Server.TryApply(table, out var failure));

        Assert.Contains("gateway[0].address", failure, StringComparison.Ordinal);
        Assert.Equal(before, gateway.Server.Revision);
        using var client = gateway.Client();
        Assert.Equal("jellyfin", await client.GetStringAsync(gateway.Url(Jellyfin), Ct));
    }

    [Fact]
    public async Task StreamsTheResponse_AndCutsItAfterTheIdleTimeout_NotBefore()
    {
        await using var gateway = await GatewayMesh.StartAsync(o => o with { IdleTimeout = TimeSpan.FromSeconds(1) });
        gateway.Mesh.Apps["sonarr"].StallBodyNext(1);
        using var client = gateway.Client();

        using var response = await client.GetAsync(gateway.Url(Sonarr, "/feed"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var first = new byte[64];
        var read = await body.ReadAsync(first, Ct);

        // The first chunk arrives while the app is still sending: nothing waits for the whole response.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("first chunk of a stream", Encoding.UTF8.GetString(first, 0, read));

        // Then nothing moves, and the gateway (idle timeout 1 s; the sidecar's is 5 min) ends the response.
        var started = DateTime.UtcNow;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAnyAsync<IOException>(async () => Assert.Fail($"read {await body.ReadAsync(first, deadline.Token)} more bytes of a stalled response"));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(25));
    }

    [Fact]
    public async Task ServesARotatedCertificate_WithoutARestart()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        var presented = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using (var before = gateway.Client(presented: presented.Enqueue))
        {
            Assert.Equal("jellyfin", await before.GetStringAsync(gateway.Url(Jellyfin), Ct));
        }

        var renewed = gateway.Web.IssueViaIntermediate([Jellyfin]);
        gateway.Mounts.Publish("jellyfin-tls", renewed);

        await Eventually.Async(
            async () =>
            {
                var serial = string.Empty;
                using var client = gateway.Client(presented: s => serial = s);
                return await client.GetStringAsync(gateway.Url(Jellyfin), Ct) == "jellyfin" && serial == renewed.SerialNumber;
            },
            "the gateway to present the renewed certificate");
        Assert.DoesNotContain(renewed.SerialNumber, presented);
    }

    [Fact]
    public async Task RefusesTheHandshake_ForANameWithoutACertificate()
    {
        await using var gateway = await GatewayMesh.StartAsync();
        using var client = gateway.Client();

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(gateway.Url("example.com"), Ct));

        Assert.Equal(HttpRequestError.SecureConnectionError, failure.HttpRequestError);
        Assert.Equal("jellyfin", await client.GetStringAsync(gateway.Url(Jellyfin), Ct));
    }

    [Fact]
    public async Task WithoutATable_Answers503()
    {
        await using var gateway = await GatewayMesh.StartAsync(o => o with { Routes = null });
        using var client = gateway.Client();

        using var response = await client.GetAsync(gateway.Url(Jellyfin), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(gateway.Server.Revision);
        Assert.True(gateway.Server.TryApply(gateway.Mesh.Compilation.GatewayTable!, out var failure), failure);
        Assert.Equal("jellyfin", await client.GetStringAsync(gateway.Url(Jellyfin), Ct));
    }

    private sealed class FolderCleanup(DirectoryInfo folder) : IDisposable
    {
        public void Dispose() => folder.Delete(recursive: true);
    }
}
