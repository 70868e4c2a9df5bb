using System.Net;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>
/// A real Kestrel on 127.0.0.1, port 0, with one mesh (mutual TLS) listener configured by <see cref="MeshTls.ConfigureServer"/>.
/// Every request is answered with the caller's SPIFFE id (or "(none)") and the serial number of its certificate, and
/// the protocol it came in over in the <c>x-test-protocol</c> header; <see cref="StallWhileAsync"/> holds them for a while.
/// </summary>
internal sealed class MeshTestServer : IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _connections = new();
    private LoopbackServer _server = null!;
    private int _handled;
    private int _held;
    private TaskCompletionSource? _gate;
    private AwaitedHeld? _awaitedHeld;
    private IDisposable[] _identity = [];

    public Uri Address { get; private set; } = null!;

    /// <summary>How many requests reached the endpoint (a refused handshake reaches none).</summary>
    public int Handled => Volatile.Read(ref _handled);

    /// <summary>How many connections requests arrived on.</summary>
    public int Connections => _connections.Count;

    /// <summary>
    /// Stalls, as a paused peer would: holds every request while <paramref name="send"/> makes <paramref name="calls"/>
    /// at once, answers them all once <paramref name="held"/> are waiting together, and returns what each call got.
    /// </summary>
    public async Task<HttpStatusCode[]> StallWhileAsync(int calls, int held, Func<int, Task<HttpStatusCode>> send, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _awaitedHeld, new AwaitedHeld(held, reached));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _gate, gate);
        var sent = Enumerable.Range(0, calls).Select(send).ToList();
        await reached.Task.WaitAsync(cancellationToken);
        Volatile.Write(ref _gate, null);
        gate.TrySetResult();
        return await Task.WhenAll(sent);
    }

    public static async Task<MeshTestServer> StartAsync(MeshCertificateStore store)
    {
        var server = new MeshTestServer();
        server._server = await LoopbackServer.StartAsync(server.HandleAsync, HttpProtocols.Http1AndHttp2, listen => listen.UseHttps(https => MeshTls.ConfigureServer(https, store)));
        server.Address = new Uri(server._server.Address.GetLeftPart(UriPartial.Authority).Replace("http://", "https://", StringComparison.Ordinal));
        return server;
    }

    /// <summary>A stand-in for <paramref name="spiffeId"/>'s sidecar, with a certificate of its own from <paramref name="authority"/> (its files and store are disposed with it).</summary>
    public static async Task<MeshTestServer> StartAsAsync(MeshCertificateAuthority authority, string spiffeId)
    {
        using var issued = authority.IssueWorkload(spiffeId);
        var folder = CertificateFolder.With(issued);
        var store = new MeshCertificateStore(folder.Options, Microsoft.Extensions.Logging.Abstractions.NullLogger<MeshCertificateStore>.Instance);
        store.Start();
        var server = await StartAsync(store);
        server._identity = [store, folder];
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var owned in _identity)
        {
            owned.Dispose();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _handled);
        _connections.TryAdd(context.Connection.Id, true);
        if (Volatile.Read(ref _gate) is { } gate)
        {
            var held = Interlocked.Increment(ref _held);
            if (Volatile.Read(ref _awaitedHeld) is { } awaited && held >= awaited.Count)
            {
                awaited.Reached.TrySetResult();
            }

            await gate.Task.WaitAsync(context.RequestAborted);
            Interlocked.Decrement(ref _held);
        }

        var caller = context.GetCallerSpiffeId() ?? "(none)";
        context.Response.Headers["x-test-protocol"] = context.Request.Protocol;
        await context.Response.WriteAsync($"{caller} {context.Connection.ClientCertificate?.SerialNumber}", context.RequestAborted);
    }

    private sealed record AwaitedHeld(int Count, TaskCompletionSource Reached);
}
