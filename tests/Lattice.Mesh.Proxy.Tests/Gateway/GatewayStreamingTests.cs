using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// A 50 MiB film (Jellyfin's app is a <see cref="FilmApp"/>) through the real path: client → gateway (HTTPS, SNI) →
/// Jellyfin's sidecar (mesh mTLS) → the app. Every byte is checked; the gateway's memory staying flat is shown by
/// back-pressure (a paused client stalls the app's writes once the hops' socket queues are full, with next to nothing
/// held by the processes) and by a gateway process's peak resident set.
/// </summary>
public sealed class GatewayStreamingTests : IAsyncLifetime
{
    private const long TenMegabytes = 10_000_000;
    private const long FirstChunk = 1 << 20;

    /// <summary>
    /// What the client, the gateway and the sidecar may hold of a stream between them beyond what sits in the kernel's
    /// socket queues: copy buffers, TLS records, Kestrel's response buffers, and the client's HTTP/2 receive window,
    /// which .NET widens as it measures the bandwidth. Tens to hundreds of kilobytes are; a hop that buffered the body
    /// would hold tens of megabytes, as much as the app could write. (The
    /// queues count TLS and HTTP/2 framing too, a fraction of a percent more than the body's bytes.)
    /// </summary>
    private const long HeldByProcessesBound = 4 << 20;

    /// <summary>How much a gateway process's peak resident set may grow while it streams the film two and a half times.</summary>
    private const long PeakGrowthBound = 20 << 20;

    private FilmApp _film = null!;
    private GatewayMesh _gateway = null!;

    public static TheoryData<string> HttpVersions => ["1.1", "2.0"];

    private Uri Film => _gateway.Url(GatewayMesh.Jellyfin, "/films/big-buck-bunny.mp4");

    public async ValueTask InitializeAsync()
    {
        _film = await FilmApp.StartAsync();
        _gateway = await GatewayMesh.StartAsync(jellyfinAppPort: _film.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _film.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task RangeRequests_CoverTheFilm_EachA206_WithItsContentRange_AndExactlyItsBytes(string version)
    {
        using var client = _gateway.Client(Version.Parse(version));

        // Five ranges of 10 MB that do not fall on any power of two, then the rest, open-ended: every byte once.
        for (var i = 0; i < 5; i++)
        {
            await DownloadAsync(client, Film, new RangeItemHeaderValue(i * TenMegabytes, ((i + 1) * TenMegabytes) - 1));
        }

        await DownloadAsync(client, Film, new RangeItemHeaderValue(5 * TenMegabytes, null));
        Assert.Equal(FilmApp.Length, _film.Served);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task WholeFilm_Gets200_AndItsSha256(string version)
    {
        using var client = _gateway.Client(Version.Parse(version));

        using var response = await GetFilmAsync(client, Film, range: null);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var (sha256, length) = await FilmDownload.HashAsync(body);

        Assert.Equal(FilmApp.Length, length);
        Assert.Equal(Convert.ToHexString(FilmDownload.Sha256), Convert.ToHexString(sha256));
        Assert.Equal(FilmApp.Length, _film.Served);
    }

    /// <summary>
    /// The client reads the first megabyte and stops reading: the app's writes stall soon after, and resume when the
    /// client reads on. When they have stalled, nearly everything the app wrote beyond what the client read is in the
    /// kernel's queues of the three TCP hops (client → gateway → sidecar → app); what the processes hold is a few copy
    /// buffers. Were the body buffered anywhere on the way, the app would write on while the client waits, into that
    /// buffer.
    /// </summary>
    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task PausedClient_StallsTheAppsWrites_WithNoHopHoldingMoreThanCopyBuffers_ThenTheDownloadCompletes(string version)
    {
        using var client = _gateway.Client(Version.Parse(version));
        using var response = await GetFilmAsync(client, Film, range: null);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);

        Assert.Equal(FirstChunk, await FilmDownload.ReadCheckedAsync(body, 0, atMost: FirstChunk));
        var stalled = await SteadyAsync(() => _film.Served, "the app's writes to stall while the client does not read");
        var inKernel = LoopbackQueues.QueuedTo([_gateway.Server.HttpsUri.Port, _gateway.Mesh.Sidecars["jellyfin"].Server.InboundUri.Port, _film.Port]);

        var ahead = stalled - FirstChunk;
        var heldByProcesses = ahead - inKernel;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HTTP/{version}: the app stalled {ahead:N0} bytes ahead of the client: {inKernel:N0} in the kernel's socket queues, {heldByProcesses:N0} in the processes"));
        Assert.True(stalled < FilmApp.Length, $"the app wrote the whole film ({stalled:N0} bytes) to a client that read {FirstChunk:N0}: nothing pushed back");
        Assert.True(heldByProcesses < HeldByProcessesBound, $"of the {ahead:N0} bytes the app wrote beyond what the client read, {heldByProcesses:N0} are held by the client, gateway and sidecar rather than in socket queues ({inKernel:N0}); expected under {HeldByProcessesBound:N0}");
        Assert.Equal(FilmApp.Length - FirstChunk, await FilmDownload.ReadCheckedAsync(body, FirstChunk));
        Assert.Equal(FilmApp.Length, _film.Served);
    }

    /// <summary>
    /// <c>lattice-proxy gateway</c> as a process of its own, as deployed: after warming up with 10 MB on each protocol,
    /// streaming the film whole over HTTP/1.1 and over HTTP/2, then its second half in a Range request, raises the
    /// process's peak resident set by far less than the film.
    /// <para>
    /// Its garbage collector's first generation is held to 4 MiB: by default it is sized from the CPU's cache (about
    /// 16 MiB of garbage between collections here, with its non-concurrent workstation GC), and where a collection
    /// happens to fall would be most of the figure. Memory the gateway keeps is counted all the same.
    /// </para>
    /// </summary>
    [Fact]
    public async Task GatewayProcess_StreamsTheFilm_WithoutItsPeakMemoryGrowingByAnythingLikeIt()
    {
        var folder = Directory.CreateTempSubdirectory("lattice-gw-process-");
        try
        {
            var routes = Path.Combine(folder.FullName, "gateway.json");
            await File.WriteAllBytesAsync(routes, RouteTableSerializer.SerializeToUtf8Bytes(_gateway.Mesh.Compilation.GatewayTable!), Ct);
            var identity = _gateway.Mesh.Pki.WriteWorkloadFiles(folder.FullName, GatewayMesh.GatewayId);
            await using var process = await GatewayProcess.StartAsync(
                [
                    $"--RouteTable={routes}", $"--Secrets={_gateway.Mounts.Path}",
                    $"--Certificate={identity.Certificate}", $"--Key={identity.Key}", $"--TrustBundle={identity.TrustBundle}",
                    "--HttpPort=0", "--HttpsPort=0", "--StatusPort=0", "--BindAddress=127.0.0.1",
                ],
                new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x400000" });
            using var http1 = ProcessClient(process, HttpVersion.Version11);
            using var http2 = ProcessClient(process, HttpVersion.Version20);
            var url = new UriBuilder(Film) { Port = process.HttpsPort }.Uri;
            foreach (var client in new[] { http1, http2 })
            {
                await DownloadAsync(client, url, new RangeItemHeaderValue(0, TenMegabytes - 1));
            }

            process.ResetPeak();
            var before = process.PeakResidentBytes;
            foreach (var client in new[] { http1, http2 })
            {
                await DownloadAsync(client, url, range: null);
            }

            await DownloadAsync(http2, url, new RangeItemHeaderValue(FilmApp.Length / 2, null));
            var growth = process.PeakResidentBytes - before;

            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gateway process: resident {before:N0} bytes after warm-up; its peak grew by {growth:N0} while it streamed {2.5 * FilmApp.Length:N0} bytes"));
            Assert.True(growth < PeakGrowthBound, $"the gateway process's peak resident set grew by {growth:N0} bytes (from {before:N0}) while it streamed a {FilmApp.Length:N0}-byte film; expected under {PeakGrowthBound:N0}. {process.Errors}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private HttpClient ProcessClient(GatewayProcess process, Version version) => new(_gateway.Handler(process.HttpsPort))
    {
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>Downloads <paramref name="range"/> of the film (all of it when null), checking the answer and every byte.</summary>
    private static async Task DownloadAsync(HttpClient client, Uri url, RangeItemHeaderValue? range)
    {
        using var response = await GetFilmAsync(client, url, range);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        Assert.Equal(response.Content.Headers.ContentLength, await FilmDownload.ReadCheckedAsync(body, range?.From ?? 0));
    }

    /// <summary>
    /// Asks for <paramref name="range"/> of the film (all of it when null) and checks the answer's head: 206 with the
    /// range's Content-Range (200 for all of it), Accept-Ranges, the length, and the client's HTTP version.
    /// </summary>
    private static async Task<HttpResponseMessage> GetFilmAsync(HttpClient client, Uri url, RangeItemHeaderValue? range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        if (range is not null)
        {
            request.Headers.Range = new RangeHeaderValue { Ranges = { range } };
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var from = range?.From ?? 0;
        var last = range?.To ?? FilmApp.Length - 1;
        Assert.Equal(range is null ? HttpStatusCode.OK : HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(client.DefaultRequestVersion, response.Version);
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
        Assert.Equal(range is null ? null : new ContentRangeHeaderValue(from, last, FilmApp.Length), response.Content.Headers.ContentRange);
        Assert.Equal(last - from + 1, response.Content.Headers.ContentLength);
        return response;
    }

    /// <summary>
    /// Polls <paramref name="counter"/> every 50 ms until it has not changed for 20 polls in a row (a second); returns
    /// it. Only a broken test waits for the deadline.
    /// </summary>
    private static async Task<long> SteadyAsync(Func<long> counter, string what)
    {
        const int Polls = 20;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var last = counter();
        var unchanged = 0;
        while (unchanged < Polls)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}: still moving at {last:N0}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
            var now = counter();
            unchanged = now == last ? unchanged + 1 : 0;
            last = now;
        }

        return last;
    }
}
