namespace Lattice.Mesh.LoadTests.Engine;

/// <summary>
/// The seam between the scenarios and whatever drives them. <see cref="HdrLoadEngine"/> is the hand-written engine
/// (this project's NuGet copy has no NBomber); an NBomber adapter would map <see cref="ConstantRate"/> to
/// <c>Simulation.Inject</c>, <see cref="ConstantConcurrency"/> to <c>Simulation.KeepConstant</c> and its
/// step stats to <see cref="ScenarioResult"/>, and nothing else would change.
/// </summary>
public interface ILoadEngine
{
    /// <summary>
    /// Runs <paramref name="scenario"/> under <paramref name="simulation"/> and records it. A warm-up is a run whose
    /// result is dropped: the caller decides, so that it can measure the proxies between warm-up and recording.
    /// </summary>
    Task<ScenarioResult> RunAsync(Scenario scenario, LoadSimulation simulation, CancellationToken cancellationToken);
}
