namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// How one sidecar runs: its listeners (Istio's ports by default; 0 picks a free port, as tests do), where its
/// route table and certificates are, and the safety limits of its request path.
/// </summary>
public sealed record ProxyOptions
{
    /// <summary>Plain HTTP from the local app, as an HTTP proxy or by redirection.</summary>
    public int OutboundPort { get; init; } = 15001;

    /// <summary>Mutual TLS from other sidecars and the gateway.</summary>
    public int InboundPort { get; init; } = 15006;

    /// <summary>Health, readiness, the table in force and metrics; bound to loopback only.</summary>
    public int AdminPort { get; init; } = 15000;

    /// <summary>The address the outbound and inbound listeners bind (loopback for outbound is enforced separately).</summary>
    public string InboundBindAddress { get; init; } = "0.0.0.0";

    /// <summary>
    /// Where the admin listener binds: loopback by default; in a pod, the injector binds it to all addresses so that the
    /// kubelet's probes (readiness, and the app's probes rewritten to <c>/app-health/...</c>) reach it.
    /// </summary>
    public string AdminBindAddress { get; init; } = "127.0.0.1";

    /// <summary>Where the local app listens (its ports come from the route table).</summary>
    public string AppHost { get; init; } = "127.0.0.1";

    /// <summary>
    /// Where the app really listens when not on its declared target port (tests and the local mesh, which cannot
    /// bind fixed ports): declared target port to actual port.
    /// </summary>
    public IReadOnlyDictionary<int, int> AppPortOverrides { get; init; } = new Dictionary<int, int>();

    /// <summary>
    /// The controller's push endpoint (https). When set, the sidecar receives its table from there, writes each
    /// one it puts in force to <see cref="RouteTablePath"/> (so that a restart without the controller still
    /// enforces it) and reports it back. When null the file alone is the source.
    /// </summary>
    public Uri? ControllerUri { get; init; }

    /// <summary>This replica's name in applied-revision reports: the pod name in Kubernetes.</summary>
    public string Instance { get; init; } = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;

    /// <summary>The longest wait between reconnection attempts to the controller (backoff doubles up to it, with jitter).</summary>
    /// <summary>
    /// A file holding this sidecar's bootstrap credential. With it (and <see cref="ControllerUri"/>) the sidecar asks
    /// the controller for its certificate at start and renews it at half-life, writing it to the certificate and key
    /// files; without it, those files are provided from outside (a mounted Secret).
    /// </summary>
    public string? BootstrapTokenPath { get; init; }

    public TimeSpan ControllerBackoffLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The controller settings above as one, or null when there is no controller.</summary>
    internal ControllerConnection? Controller => ControllerUri is null
        ? null
        : new ControllerConnection { Uri = ControllerUri, BootstrapTokenPath = BootstrapTokenPath, Instance = Instance, BackoffLimit = ControllerBackoffLimit };

    /// <summary>The route table file, watched for changes (and written by the push client).</summary>
    public required string RouteTablePath { get; init; }

    /// <summary>The workload certificate chain (PEM), watched for rotation.</summary>
    public required string CertificatePath { get; init; }

    /// <summary>The workload private key (PEM).</summary>
    public required string KeyPath { get; init; }

    /// <summary>The mesh trust bundle (PEM CA certificates).</summary>
    public required string TrustBundlePath { get; init; }

    /// <summary>Bodies up to this size are buffered so that a failed try can be repeated; larger ones are never retried.</summary>
    public int MaxRetryBufferBytes { get; init; } = 64 * 1024;

    /// <summary>Retry non-idempotent requests (POST, PATCH) on 5xx too, not only when nothing was sent.</summary>
    public bool RetryNonIdempotent { get; init; }

    /// <summary>
    /// The protocol between sidecars, over mutual TLS: HTTP/1.1 keep-alive (the default; with inline scheduling the
    /// cheapest hop at a home lab's rates) or HTTP/2 (several connections allowed; more requests a second when
    /// saturated). The load test and SidecarPairBenchmarks measure one against the other (README: Performance).
    /// </summary>
    public Version PeerHttpVersion { get; init; } = System.Net.HttpVersion.Version11;

    /// <summary>
    /// The most connections this sidecar opens to one destination's sidecars; requests beyond them wait for one to be
    /// free (they do not fail). Over HTTP/1.1 each request in flight holds a connection, and the pool opens a new one
    /// for every request that finds none free, at a TLS handshake each (2 to 3 ms of CPU on each side here). Without a
    /// cap, a peer that stalls for a second is met at 1,000 requests/s by a thousand handshakes, which starve the
    /// requests themselves: in the load test the pair's p50 went to 6.7 s and its caller's RSS to 666 MB, with 504s.
    /// With 128, a hiccup of a few milliseconds still grew the pool to 128 at once, and those handshakes stalled the
    /// pair for 0.3 to 0.5 s, in one round in three; with 32 the same hiccups cost tens of milliseconds (README:
    /// Performance, "A stalled peer"). Raise it for a service that keeps more than this many long requests open to one
    /// destination, or use HTTP/2 between the sidecars (<see cref="PeerHttpVersion"/>), which multiplexes.
    /// </summary>
    public int MaxPeerConnections { get; init; } = 32;

    /// <summary>
    /// Serve each connection on the thread that read it (Kestrel's <c>UnsafePreferInlineScheduling</c>) instead of
    /// handing every read and write to the thread pool. On by default: the request path never blocks (no synchronous
    /// I/O, certificates checked offline), and at 1,000 requests/s the HTTP/1.1 pair took 391-402 µs of CPU per
    /// request with it against 583-657 µs without (README: Performance). lattice-proxy also runs socket completions inline then
    /// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>, unless set), which only a process can choose.
    /// </summary>
    public bool InlineScheduling { get; init; } = true;

    /// <summary>How long an upstream stream may go without a byte when the route sets no idle timeout.</summary>
    public TimeSpan DefaultIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>One line per request at Information. Off by default: it costs a log write per request.</summary>
    public bool AccessLog { get; init; }

    /// <summary>
    /// The OpenTelemetry collector that gets the sidecar's spans, by its OTLP/HTTP base address (as
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, such as <c>http://otel-collector.monitoring:4318</c>; spans go to
    /// <c>v1/traces</c> under it). With one, each hop is a span (service <c>lattice-proxy</c>, as Linkerd names its
    /// proxy's) and the callee's <c>traceparent</c> names the forwarding span. Null, the default: the sidecar makes no
    /// spans and passes the caller's trace context through untouched, so no trace names a parent that was never
    /// exported. No spans also means about a third less allocated per request (README: Performance).
    /// </summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>How often files are re-read even without a change notification (watchers miss symlink swaps).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The app's original HTTP and TCP probes, as JSON (the injector's <c>LATTICE_APP_PROBES</c>), served at
    /// /app-health/&lt;container&gt;/&lt;livez|readyz|startupz&gt; on the admin listener. Null: none.
    /// </summary>
    public string? AppProbes { get; init; }
}
