using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>Backend behaviour: never answer, until the caller gives up on the request.</summary>
internal static class Hang
{
    /// <summary>Completes when the client aborts the request (capped, so a broken test cannot hang the server).</summary>
    public static async Task UntilAbortedAsync(HttpContext context)
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (context.RequestAborted.Register(() => aborted.TrySetResult()))
        {
            await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
