using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>
/// Waits for something the controller does asynchronously, by polling it against a deadline (<see cref="Poll"/>, which
/// also rides out a moment of API server unavailability); tests never sleep.
/// </summary>
internal static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(within ?? TimeSpan.FromSeconds(45));
        await Poll.UntilAsync(what, _ => condition(), process: null, deadline.Token, probeTimeout: within ?? TimeSpan.FromSeconds(45));
    }
}
