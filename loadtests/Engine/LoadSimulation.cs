namespace Lattice.Mesh.LoadTests.Engine;

/// <summary>How load is applied, in NBomber's terms: an open model injects at a rate, a closed model keeps copies busy.</summary>
public abstract record LoadSimulation(TimeSpan During)
{
    /// <summary>A short name for reports, such as <c>rate 1000/s</c> or <c>concurrency 16</c>.</summary>
    public abstract string Label { get; }
}

/// <summary>
/// The open model (NBomber's <c>Inject</c>, wrk2's <c>-R</c>): requests are sent on a fixed schedule whatever the
/// answers do, and each latency is measured from the time the request was meant to go, so a stall shows up in the
/// percentiles instead of slowing the sender (coordinated omission corrected).
/// </summary>
public sealed record ConstantRate(int RequestsPerSecond, TimeSpan During) : LoadSimulation(During)
{
    public override string Label => $"rate {RequestsPerSecond}/s";
}

/// <summary>The closed model (NBomber's <c>KeepConstant</c>, wrk's <c>-c</c>): each copy sends its next request when the last one is answered.</summary>
public sealed record ConstantConcurrency(int Copies, TimeSpan During) : LoadSimulation(During)
{
    public override string Label => $"concurrency {Copies}";
}
