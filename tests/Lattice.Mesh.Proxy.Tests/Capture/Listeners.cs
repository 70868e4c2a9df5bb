using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>
/// A small python process inside a network namespace, listening on named addresses. Every connection it accepts
/// is answered with one line, <c>&lt;listener&gt; &lt;original destination&gt; &lt;token&gt;</c>, so the client
/// learns where its connection really landed and where it was headed (SO_ORIGINAL_DST, which REDIRECT keeps;
/// the local address where nothing tracks connections).
/// </summary>
internal sealed class Listeners : IAsyncDisposable
{
    private const string Script = """
        import selectors, socket, struct, sys
        selector = selectors.DefaultSelector()
        for spec in sys.argv[1:]:
            name, address, port = spec.split(":")
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((address, int(port)))
            listener.listen(16)
            selector.register(listener, selectors.EVENT_READ, name)
        print("listening", flush=True)
        while True:
            for key, _ in selector.select():
                connection, _ = key.fileobj.accept()
                with connection:
                    try:
                        raw = connection.getsockopt(socket.SOL_IP, 80, 16)  # SO_ORIGINAL_DST
                        port, address = struct.unpack_from("!2xH4s", raw)
                        original = "%s:%d" % (socket.inet_ntoa(address), port)
                    except OSError:  # no connection tracking in this namespace: nothing was redirected
                        original = "%s:%d" % connection.getsockname()
                    connection.settimeout(5)
                    token = b""
                    while not token.endswith(b"\n"):
                        chunk = connection.recv(256)
                        if not chunk:
                            break
                        token += chunk
                    line = "%s %s %s" % (key.data, original, token.decode().strip())
                    print(line, flush=True)
                    connection.sendall((line + "\n").encode())
        """;

    private readonly Process _process;

    private Listeners(Process process) => _process = process;

    /// <summary>Starts listeners in <paramref name="netns"/>, each <c>name:address:port</c>, and waits until they all listen.</summary>
    public static async Task<Listeners> StartAsync(string netns, params string[] listeners)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "netns", "exec", netns, PodNetwork.Python, "-c", Script }.Concat(listeners))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var started = new Listeners(process);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "listening")
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => errors.Enqueue(e.Data ?? "");
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"the listeners in {netns} exited: {string.Join('\n', errors)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }
}
