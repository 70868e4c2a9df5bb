namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>
/// How <see cref="RetryHandler"/> applies a destination's retry policy. The defaults are the safe ones the mesh ships:
/// bodies up to 64 KiB are replayable (Linkerd's limit), non-idempotent requests are repeated only when nothing was sent.
/// </summary>
internal sealed record RetryOptions
{
    /// <summary>The defaults, shared.</summary>
    public static RetryOptions Default { get; } = new();

    /// <summary>
    /// The largest request body kept for replay. A larger body is still sent whole, once; it is repeated only when it
    /// was never sent at all (a connect failure).
    /// </summary>
    public int MaxBufferedBodyBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Also retry POST, PATCH and other non-idempotent methods after they were sent. Off: such requests are repeated only
    /// on a connect failure, so nothing is ever done twice (istio#50506: default retries re-sent payments).
    /// </summary>
    public bool RetryNonIdempotent { get; init; }

    /// <summary>The first backoff; later ones grow exponentially, with jitter.</summary>
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>The longest backoff between two tries.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Leave a <see cref="RetryReport"/> (tries, what was retried, why the handler stopped) in every request's options.
    /// Off in the sidecar: it costs two allocations and a dictionary per request, and the attempts header already says
    /// what a caller needs.
    /// </summary>
    public bool KeepReports { get; init; }
}
