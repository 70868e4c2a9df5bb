namespace Lattice.Mesh.LoadTests.Engine;

/// <summary>
/// The seam between the scenarios and whatever drives them. <see cref="HdrLoadEngine"/> is the hand-written engine
/// (this project's NuGet copy has no NBomber); an NBomber adapter would map <see cref="ConstantRate"/> to
/// <c>Simulation.Inject</c>, <see cref="ConstantConcurrency"/> to <c>Simulation.KeepConstant</c> and its
/// step stats to <see cref="ScenarioResult"/>, and nothing else would change.
/// </summary>
public interface ILoadEngine
{
    /// <summary>Runs <paramref name="scenario"/> under <paramref name="simulation"/> after a warm-up under the same load that is not recorded.</summary>
    Task<ScenarioResult> RunAsync(Scenario scenario, LoadSimulation simulation, TimeSpan warmUp, CancellationToken cancellationToken);
}
