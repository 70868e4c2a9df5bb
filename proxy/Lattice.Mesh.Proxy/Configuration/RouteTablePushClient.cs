using System.Net;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Telemetry;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// Keeps a stream open to the controller and hands every table it sends to <see cref="RouteTableInput.Offer"/>,
/// the same door the file uses. A table put in force is written to the route-table file (atomically) so that
/// a sidecar restarted while the controller is away still enforces it, and its revision is reported back.
/// With the controller unreachable the sidecar keeps its last table and reconnects with jittered backoff.
/// </summary>
internal sealed class RouteTablePushClient : BackgroundLoop
{
    private readonly ControllerConnection _controller;
    private readonly string _routeTablePath;
    private readonly RouteTableInput _routes;
    private readonly MeshCertificateStore _certificates;
    private readonly TimeProvider _time;
    private readonly ILogger<RouteTablePushClient> _logger;

    /// <param name="controller">The controller to watch.</param>
    /// <param name="routeTablePath">Where each table put in force is persisted, for a restart without the controller.</param>
    /// <param name="routes">The door the tables go in by.</param>
    /// <param name="certificates">The certificate presented to the controller.</param>
    /// <param name="time">The clock for backoff.</param>
    /// <param name="logger">Where unreachability is logged.</param>
    public RouteTablePushClient(ControllerConnection controller, string routeTablePath, RouteTableInput routes, MeshCertificateStore certificates, TimeProvider time, ILogger<RouteTablePushClient> logger)
    {
        _controller = controller;
        _routeTablePath = routeTablePath;
        _routes = routes;
        _certificates = certificates;
        _time = time;
        _logger = logger;
    }

    protected override async Task RunAsync(CancellationToken stopping)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await WaitForCertificateAsync(stopping);
                if (await WatchOnceAsync(stopping))
                {
                    backoff = TimeSpan.FromMilliseconds(250);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return; // the sidecar is stopping
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException or UnauthorizedAccessException or System.Security.Authentication.AuthenticationException)
            {
                ProxyLog.ControllerUnreachable(_logger, _controller.Uri.ToString(), exception.Message, _routes.Revision ?? "none");
            }

            // Full jitter: a fleet of sidecars does not reconnect in step after a controller restart.
            if (!await JitteredDelayAsync(backoff, _time, stopping))
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _controller.BackoffLimit.Ticks));
        }
    }

    /// <summary>The controller only talks to a sidecar with a certificate: until the store has one (from files, or being issued), wait for it.</summary>
    private async Task WaitForCertificateAsync(CancellationToken stopping)
    {
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = _certificates.GetChangeToken().RegisterChangeCallback(_ => changed.TrySetResult(), null);
            if (_certificates.Current is not null)
            {
                return;
            }

            await changed.Task.WaitAsync(stopping);
        }
    }

    /// <summary>One connection: true if it delivered at least one line before it ended.</summary>
    private async Task<bool> WatchOnceAsync(CancellationToken stopping)
    {
        if (_certificates.Current is not { } certificate)
        {
            throw new InvalidOperationException("no workload certificate yet to present to the controller");
        }

        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) };
        MeshTls.ConfigureClient(handler.SslOptions, _certificates, PushProtocol.ControllerSpiffeId(certificate.TrustDomain));
        using var client = new HttpClient(handler) { BaseAddress = _controller.Uri, Timeout = Timeout.InfiniteTimeSpan, DefaultRequestVersion = HttpVersion.Version20 };
        using var response = await client.GetAsync(PushProtocol.WatchPath, HttpCompletionOption.ResponseHeadersRead, stopping);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(stopping);
        using var reader = new StreamReader(stream);
        var delivered = false;
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            quiet.CancelAfter(PushProtocol.ReadTimeout);
            var line = await reader.ReadLineAsync(quiet.Token);
            if (line is null)
            {
                return delivered;
            }

            if (line.Length == 0)
            {
                continue; // heartbeat
            }

            delivered = true;
            var bytes = System.Text.Encoding.UTF8.GetBytes(line);
            var before = _routes.Revision;
            var read = _routes.Offer(bytes, _controller.Uri.ToString());
            if (!read.IsValid)
            {
                continue; // refused, logged and counted by the source; the last good table stays
            }

            if (read.Table.Revision != before)
            {
                AtomicFile.Replace(_routeTablePath, bytes);
            }

            await ReportAsync(client, read.Table.Revision, stopping);
        }
    }

    private async Task ReportAsync(HttpClient client, string revision, CancellationToken cancellationToken)
    {
        using var report = new HttpRequestMessage(HttpMethod.Post, PushProtocol.AppliedPath) { Version = HttpVersion.Version20 };
        report.Headers.Add(PushProtocol.RevisionHeader, revision);
        report.Headers.Add(PushProtocol.InstanceHeader, _controller.Instance);
        using var response = await client.SendAsync(report, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
