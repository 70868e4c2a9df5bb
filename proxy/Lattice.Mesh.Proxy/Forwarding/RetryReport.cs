using System.Diagnostics.CodeAnalysis;

namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>
/// What <see cref="RetryHandler"/> did with one request, left in <see cref="HttpRequestMessage.Options"/> under
/// <see cref="OptionsKey"/> when <see cref="RetryOptions.KeepReports"/> is on (the tests; the sidecar leaves it off),
/// also when the handler throws. Telemetry's decisions map as: <c>retried</c>
/// when <see cref="Retried"/>; <c>timeout</c> when <see cref="Failure"/> is <see cref="RetryFailure.RequestTimeout"/>
/// or <see cref="RetryFailure.PerTryTimeout"/>; <c>upstream_error</c> for any other <see cref="Failure"/> but
/// <see cref="RetryFailure.None"/>.
/// </summary>
internal sealed class RetryReport
{
    public static readonly HttpRequestOptionsKey<RetryReport> OptionsKey = new("Lattice.Mesh.Retry");

    /// <summary>Tries made, the first included; the value of the <c>x-lattice-attempts</c> response header.</summary>
    public int Attempts { get; internal set; }

    /// <summary>True when more than one try was made.</summary>
    public bool Retried => Attempts > 1;

    /// <summary>The failure that caused the last retry; <see cref="RetryFailure.None"/> when there was no retry.</summary>
    public RetryFailure RetriedOn { get; internal set; }

    /// <summary>The failure of the outcome returned (or thrown); <see cref="RetryFailure.None"/> when it was a success.</summary>
    public RetryFailure Failure { get; internal set; }

    /// <summary>Why no further try was made.</summary>
    public RetryStop Stop { get; internal set; }

    public static bool TryGet(HttpRequestMessage request, [NotNullWhen(true)] out RetryReport? report)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Options.TryGetValue(OptionsKey, out report);
    }
}
