using System.Diagnostics;
using System.Text;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// One program of the control plane, run as a child of the test host with its stdout and stderr appended to a log
/// file. Killing it kills its whole process tree. (If the test host dies instead, a Go program exits on SIGPIPE the
/// next time it logs, and <see cref="ClusterWorkspace"/> reaps whatever is left when the next run starts.)
/// </summary>
internal sealed class ControlPlaneProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private readonly long _logStart;

    private ControlPlaneProcess(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        _logStart = log.BaseStream.Position;
        LogPath = logPath;
    }

    public string LogPath { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/>; its output is appended to <paramref name="logPath"/> after a header line.</summary>
    public static ControlPlaneProcess Start(string fileName, IEnumerable<string> arguments, string logPath)
    {
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        log.WriteLine($"=== {DateTimeOffset.UtcNow:O} starting {fileName} {string.Join(' ', info.ArgumentList)}");
        var process = new Process { StartInfo = info };
        var child = new ControlPlaneProcess(process, log, logPath);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            child.Dispose();
            throw;
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// SIGKILLs the process tree (if it still runs) and waits, bounded, until the process is gone and all its output
    /// is in the log: <see cref="HasExited"/> turns true before the last lines have been read from its pipes.
    /// </summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A process that outlives SIGKILL by 10 s is stuck in the kernel; nothing more to do from here.
        }
    }

    /// <summary>After it exited: true when its output shows it failed because a port was taken (so new ports may work).</summary>
    public async Task<bool> FailedOnAddressInUseAsync()
    {
        await KillAsync();
        return ReadLog(_logStart).Contains("address already in use", StringComparison.Ordinal);
    }

    /// <summary>The last <paramref name="lines"/> lines of the log.</summary>
    public string LogTail(int lines) => Tail(ReadLog(0), lines);

    public static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or exited meanwhile.
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    /// <summary>The log from byte <paramref name="offset"/> on (this run's output starts at <see cref="_logStart"/>).</summary>
    private string ReadLog(long offset)
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives after Dispose is dropped.
            }
        }
    }
}
