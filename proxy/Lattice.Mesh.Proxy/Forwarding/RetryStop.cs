namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>Why <see cref="RetryHandler"/> made no further try.</summary>
internal enum RetryStop
{
    /// <summary>The last try's outcome was not a failure.</summary>
    Succeeded,

    /// <summary>The failure is not one of the destination's retry conditions (or the destination has no retry policy).</summary>
    NotRetriable,

    /// <summary>Repeating was unsafe: a non-idempotent method after it was sent, or a body that could not be replayed.</summary>
    Unsafe,

    /// <summary>Every try the policy allows was made.</summary>
    AttemptsExhausted,

    /// <summary>The destination's retry budget refused the retry.</summary>
    BudgetExhausted,

    /// <summary>The request timeout expired.</summary>
    RequestTimeout,

    /// <summary>The caller cancelled the request (the client went away).</summary>
    Canceled,
}
