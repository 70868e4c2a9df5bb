using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>
/// A stand-in app on a real Kestrel (127.0.0.1, port 0). It answers with its name, records what it received,
/// and can be told to fail the next N requests with a status.
/// </summary>
internal sealed class FakeApp : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private int _failuresLeft;
    private int _failureStatus;
    private int _hangsLeft;
    private int _stallsLeft;

    private FakeApp(string name) => Name = name;

    public string Name { get; }

    public int Port { get; private set; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public static async Task<FakeApp> StartAsync(string name)
    {
        var fake = new FakeApp(name);
        fake._server = await LoopbackServer.StartAsync(fake.HandleAsync);
        fake.Port = fake._server.Address.Port;
        return fake;
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = StatusCodes.Status503ServiceUnavailable)
    {
        Volatile.Write(ref _failureStatus, status);
        Volatile.Write(ref _failuresLeft, count);
    }

    /// <summary>The next <paramref name="count"/> requests get headers and a first chunk, then nothing more until the caller gives up.</summary>
    public void StallBodyNext(int count) => Volatile.Write(ref _stallsLeft, count);

    /// <summary>The next <paramref name="count"/> requests get no answer until the caller gives up.</summary>
    public void HangNext(int count) => Volatile.Write(ref _hangsLeft, count);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        Received.Enqueue(new ReceivedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            context.Request.Host.Value ?? string.Empty,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray()));
        if (Interlocked.Decrement(ref _stallsLeft) >= 0)
        {
            await context.Response.WriteAsync("first chunk of a stream", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (Interlocked.Decrement(ref _hangsLeft) >= 0)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            context.Response.StatusCode = Volatile.Read(ref _failureStatus);
            await context.Response.WriteAsync($"{Name} failing on purpose", context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync(Name, context.RequestAborted);
    }
}

internal sealed record ReceivedRequest(string Method, string Path, string Host, IReadOnlyDictionary<string, string> Headers, byte[] Body);
