using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// The public certificate of a host replaced under traffic, as the kubelet replaces a mounted TLS Secret (a new
/// timestamped folder, then <c>..data</c> swapped), by one from another CA: through the whole gateway, with clients
/// that open a new TLS connection for every request and one film streaming across the change.
/// </summary>
public sealed class GatewayRotationTests
{
    private const long Chunk = 1 << 20;

    /// <summary>Long enough for a loaded 2-core machine; only reached when something is broken.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RotatedCertificate_ReachesNewConnections_Monotonically_WithoutAFailedRequest_OrACutStream()
    {
        await using var film = await FilmApp.StartAsync();
        await using var gateway = await GatewayMesh.StartAsync(jellyfinAppPort: film.Port);
        using var otherCa = new TestWebPki();
        var renewed = otherCa.IssueViaIntermediate([GatewayMesh.Jellyfin]);
        var handshakes = new ConcurrentQueue<Handshake>();
        var failures = new ConcurrentQueue<string>();
        long clock = 0;

        // A client that trusts the old CA and the new one, and still checks that the certificate names the host.
        HttpClient Client(Version version, Action<string> presented)
        {
            var handler = gateway.Handler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (certificate is not null)
                {
                    presented(certificate.GetSerialNumberString());
                }

                return gateway.Web.Accepts(certificate, chain, errors) || otherCa.Accepts(certificate, chain, errors);
            };
            return new HttpClient(handler) { Timeout = Deadline, DefaultRequestVersion = version, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        }

        // The stream: its first megabyte read before the change.
        var streamSerials = new ConcurrentQueue<string>();
        using var streamClient = Client(HttpVersion.Version20, streamSerials.Enqueue);
        using var stream = await streamClient.GetAsync(gateway.Url(GatewayMesh.Jellyfin, "/films/big-buck-bunny.mp4"), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        await using var streamBody = await stream.Content.ReadAsStreamAsync(Ct);
        var streamed = await FilmDownload.ReadCheckedAsync(streamBody, 0, atMost: Chunk);
        var old = Assert.Single(streamSerials);

        // Each request on a connection of its own, so each is a handshake: a 4 KiB slice of the film from Jellyfin over
        // HTTP/1.1 and over HTTP/2, and Sonarr, whose certificate does not change.
        async Task RequestAsync(string host, Version version, long n)
        {
            var started = Interlocked.Increment(ref clock);
            (string Serial, long Seen)? presented = null;
            using var client = Client(version, serial => presented = (serial, Interlocked.Increment(ref clock)));
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(host, "/films/big-buck-bunny.mp4"));
            var (wanted, expected) = (HttpStatusCode.OK, "sonarr"u8.ToArray());
            if (host == GatewayMesh.Jellyfin)
            {
                var from = n * 7_919_993 % (FilmApp.Length - 4096);
                request.Headers.Range = new RangeHeaderValue(from, from + 4095);
                (wanted, expected) = (HttpStatusCode.PartialContent, new byte[4096]);
                FilmApp.Fill(from, expected);
            }

            try
            {
                using var response = await client.SendAsync(request, Ct);
                var body = await response.Content.ReadAsByteArrayAsync(Ct);
                if (response.StatusCode != wanted || !body.AsSpan().SequenceEqual(expected))
                {
                    failures.Enqueue($"{host} over HTTP/{version}: {(int)response.StatusCode} with {body.Length} bytes that are not the ones asked for");
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                failures.Enqueue($"{host} over HTTP/{version}: {e.GetType().Name}: {e.Message} {e.InnerException?.Message}");
            }

            if (presented is { } seen)
            {
                handshakes.Enqueue(new Handshake(host, version, started, seen.Seen, seen.Serial));
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var traffic = new[] { (GatewayMesh.Jellyfin, HttpVersion.Version11), (GatewayMesh.Jellyfin, HttpVersion.Version20), (GatewayMesh.Sonarr, HttpVersion.Version11) }
            .Select(loop => Task.Run(
                async () =>
                {
                    for (var n = 0L; !stop.IsCancellationRequested; n++)
                    {
                        await RequestAsync(loop.Item1, loop.Item2, n);
                    }
                },
                Ct))
            .ToArray();
        int Count(Func<Handshake, bool> which) => handshakes.Count(which);
        await Eventually.Async(() => Task.FromResult(Count(h => h.Host == GatewayMesh.Jellyfin) >= 6 && Count(h => h.Host == GatewayMesh.Sonarr) >= 3), "handshakes before the change", Deadline);

        // Replaced as the kubelet does it; the stream moves on once new connections see the new certificate.
        gateway.Mounts.Publish("jellyfin-tls", renewed);
        await Eventually.Async(() => Task.FromResult(Count(h => h.Serial == renewed.SerialNumber) > 0), "a new connection to present the new certificate", Deadline);
        streamed += await FilmDownload.ReadCheckedAsync(streamBody, streamed, atMost: Chunk);
        await Eventually.Async(
            () => Task.FromResult(Count(h => h.Serial == renewed.SerialNumber && h.Version == HttpVersion.Version11) >= 3 && Count(h => h.Serial == renewed.SerialNumber && h.Version == HttpVersion.Version20) >= 3),
            "new connections over HTTP/1.1 and HTTP/2 to present the new certificate",
            Deadline);
        var sonarrAfter = Count(h => h.Host == GatewayMesh.Sonarr) + 3;
        await Eventually.Async(() => Task.FromResult(Count(h => h.Host == GatewayMesh.Sonarr) >= sonarrAfter), "more Sonarr requests after the change", Deadline);
        await stop.CancelAsync();
        await Task.WhenAll(traffic);
        streamed += await FilmDownload.ReadCheckedAsync(streamBody, streamed);

        TestContext.Current.TestOutputHelper?.WriteLine($"{Count(h => h.Serial == old)} connections saw the old certificate, {Count(h => h.Serial == renewed.SerialNumber)} the new, {Count(h => h.Host == GatewayMesh.Sonarr)} Sonarr's; {failures.Count} requests failed");
        Assert.True(failures.IsEmpty, $"{failures.Count} requests failed during the change:\n{string.Join('\n', failures)}");
        Assert.Equal(FilmApp.Length, streamed);
        Assert.Equal([old], streamSerials); // one connection, opened before the change, kept to the end
        var jellyfinHandshakes = handshakes.Where(h => h.Host == GatewayMesh.Jellyfin).ToList();
        Assert.Equal([old, renewed.SerialNumber], jellyfinHandshakes.Select(h => h.Serial).Distinct().OrderBy(s => s == renewed.SerialNumber));

        // Once a client has seen the new certificate, no connection begun after that sees the old one.
        var firstNew = jellyfinHandshakes.Where(h => h.Serial == renewed.SerialNumber).Min(h => h.Seen);
        var staleAfterwards = jellyfinHandshakes.Where(h => h.Started > firstNew && h.Serial != renewed.SerialNumber).ToList();
        Assert.True(staleAfterwards.Count == 0, $"the new certificate was first seen at {firstNew}, yet connections begun later saw the old one:\n{string.Join('\n', staleAfterwards)}");
        Assert.Single(handshakes.Where(h => h.Host == GatewayMesh.Sonarr).Select(h => h.Serial).Distinct());
    }

    /// <summary>
    /// One connection's handshake: when its request started and when the client saw the certificate, on one clock
    /// shared by all connections, and the certificate's serial.
    /// </summary>
    private sealed record Handshake(string Host, Version Version, long Started, long Seen, string Serial);
}
