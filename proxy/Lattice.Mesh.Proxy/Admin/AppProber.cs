using System.Net.Sockets;

namespace Lattice.Mesh.Proxy.Admin;

/// <summary>
/// Performs the app's own probes against the app on loopback, as the kubelet would against the pod. The proxy's
/// connections are exempt from traffic capture (its uid), so a probe reaches the app and never loops back here.
/// </summary>
internal sealed class AppProber(string appHost, IReadOnlyDictionary<int, int> portOverrides) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        // The kubelet does not verify the app's certificate on an HTTPS probe (the app's certificate rarely names
        // 127.0.0.1); neither does its stand-in, which sends nothing secret and only reads the status code.
#pragma warning disable CA5359
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
#pragma warning restore CA5359
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public Task<AppProbeResult> ProbeAsync(AppProbe probe, CancellationToken cancellationToken) => probe switch
    {
        HttpGetProbe http => HttpGetAsync(http, cancellationToken),
        TcpSocketProbe tcp => TcpConnectAsync(tcp, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(probe), probe, "unknown probe kind"),
    };

    public void Dispose() => _client.Dispose();

    private async Task<AppProbeResult> HttpGetAsync(HttpGetProbe probe, CancellationToken cancellationToken)
    {
        var url = new Uri($"{(probe.Https ? "https" : "http")}://{appHost}:{PortOf(probe)}{probe.Path}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // As the kubelet: a fresh connection each time (a pooled one would hide an app that stopped accepting).
        request.Headers.ConnectionClose = true;
        request.Headers.TryAddWithoutValidation("User-Agent", "kube-probe/lattice-proxy");
        foreach (var (name, value) in probe.Headers)
        {
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(probe.Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            return new AppProbeResult(status is >= 200 and < 400, $"GET {url} answered {status}");
        }
        catch (HttpRequestException e)
        {
            return new AppProbeResult(false, $"GET {url} failed: {Describe(e)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AppProbeResult(false, $"GET {url} got no answer within {probe.Timeout.TotalSeconds:0.#}s");
        }
    }

    private async Task<AppProbeResult> TcpConnectAsync(TcpSocketProbe probe, CancellationToken cancellationToken)
    {
        var target = $"{appHost}:{PortOf(probe)}";
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(probe.Timeout);
        try
        {
            await socket.ConnectAsync(appHost, PortOf(probe), deadline.Token);
            return new AppProbeResult(true, $"TCP connect to {target} succeeded");
        }
        catch (SocketException e)
        {
            return new AppProbeResult(false, $"TCP connect to {target} failed: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AppProbeResult(false, $"TCP connect to {target} did not complete within {probe.Timeout.TotalSeconds:0.#}s");
        }
    }

    private int PortOf(AppProbe probe) => portOverrides.GetValueOrDefault(probe.Port, probe.Port);

    private static string Describe(HttpRequestException e) =>
        e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
}
