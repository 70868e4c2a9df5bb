namespace Lattice.Mesh.LoadTests.Engine;

/// <summary>
/// One scenario in NBomber's shape: a name and a step, the unit of work whose latency is measured. The step must not
/// throw for an expected outcome; it reports it as a <see cref="StepResult"/>.
/// </summary>
/// <param name="Name">The scenario's name in reports, such as <c>sidecars</c>.</param>
/// <param name="Step">Sends one request and says how it went.</param>
/// <param name="Expected">What a correct answer is, for reports (such as <c>200, 1 KB</c> or <c>403 at the caller's sidecar</c>).</param>
public sealed record Scenario(string Name, Func<CancellationToken, ValueTask<StepResult>> Step, string Expected);

/// <summary>How one step went: ok, or failed with a kind (such as <c>status 502</c> or <c>timeout</c>) that reports count.</summary>
public readonly record struct StepResult(bool IsOk, string? FailureKind)
{
    public static StepResult Ok { get; } = new(true, null);

    public static StepResult Fail(string kind) => new(false, kind);
}
