namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>What went wrong with one try, in the terms of the route table's retry conditions.</summary>
internal enum RetryFailure
{
    /// <summary>The try got a response the policy does not count as a failure.</summary>
    None,

    /// <summary>A 5xx other than 502, 503 and 504 (retried under <c>5xx</c>).</summary>
    ServerError,

    /// <summary>502, 503 or 504 (retried under <c>5xx</c> and <c>gateway-error</c>).</summary>
    GatewayError,

    /// <summary>409 Conflict (retried under <c>retriable-4xx</c>).</summary>
    Conflict,

    /// <summary>The connection could not be made, so nothing was sent (retried under <c>connect-failure</c>).</summary>
    ConnectFailure,

    /// <summary>The connection or stream was reset, or the response ended, before its headers (retried under <c>reset</c>).</summary>
    Reset,

    /// <summary>The try sent no response headers within the per-try timeout; counts as a 504 (retried under <c>5xx</c>, <c>gateway-error</c> and <c>reset</c>, as Envoy does).</summary>
    PerTryTimeout,

    /// <summary>The request timeout expired before response headers arrived; the handler answered 504 itself.</summary>
    RequestTimeout,

    /// <summary>An error no retry condition covers (a malformed response, a TLS failure, a cancelled request): never retried.</summary>
    Other,
}
