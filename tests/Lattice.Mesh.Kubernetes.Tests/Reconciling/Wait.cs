namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>Polls a condition against a deadline: the controller is asynchronous by nature, and tests never sleep.</summary>
internal static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(45));
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(delay, TestContext.Current.CancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }
}
