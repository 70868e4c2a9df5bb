using System.Runtime.InteropServices;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// A peer that stops answering for a while, as a sidecar does in a long pause: its node swapping, its container
/// throttled by a CPU quota, a GC. The process is stopped whole (<c>SIGSTOP</c>: every thread, sockets left open, so
/// its callers see no error, only silence) <see cref="After"/> into a run, for <see cref="For"/>, then resumed
/// (<c>SIGCONT</c>). It is always resumed, whatever ends the wait, so that no later path meets a stopped process.
/// </summary>
/// <param name="ProcessId">The process to stop.</param>
/// <param name="Whose">What the process is, for reports, such as <c>the callee's sidecar</c>.</param>
/// <param name="After">How long into the recorded run it stops.</param>
/// <param name="For">How long it stays stopped.</param>
internal sealed partial record ProcessStall(int ProcessId, string Whose, TimeSpan After, TimeSpan For)
{
    // The same numbers on x86-64 and arm64 Linux.
    private const int SignalStop = 19;
    private const int SignalContinue = 18;

    /// <summary>What the report says of it, such as <c>the callee's sidecar stopped for 1.0 s, 3.3 s into each recorded run</c>.</summary>
    public string Description =>
        FormattableString.Invariant($"{Whose} stopped for {For.TotalSeconds:F1} s, {After.TotalSeconds:F1} s into each recorded run");

    /// <summary>
    /// Waits <see cref="After"/>, stops the process, calls <paramref name="stopped"/>, waits <see cref="For"/> and
    /// resumes it. Cancelled while stopped, it resumes the process before the cancellation surfaces.
    /// </summary>
    public async Task RunAsync(Action stopped, CancellationToken cancellationToken)
    {
        await Task.Delay(After, cancellationToken);
        Signal(SignalStop);
        try
        {
            stopped();
            await Task.Delay(For, cancellationToken);
        }
        finally
        {
            Signal(SignalContinue);
        }
    }

    private void Signal(int signal)
    {
        if (NativeMethods.Kill(ProcessId, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"could not {(signal == SignalStop ? "stop" : "resume")} process {ProcessId} for the stall path: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int processId, int signal);
    }
}
