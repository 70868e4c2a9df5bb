using System.Collections.Concurrent;
using System.Net.WebSockets;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// A stand-in Jellyfin on real Kestrel: <c>/video</c> serves <see cref="Video"/> with Range support (206), <c>/socket</c>
/// echoes WebSocket messages, anything else answers "jellyfin". It records each request's headers.
/// </summary>
internal sealed class MediaApp : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private MediaApp(LoopbackServer server) => _server = server;

    /// <summary>1 MiB of a repeating, position-dependent pattern: any slice of it is recognisable.</summary>
    public static byte[] Video { get; } = [.. Enumerable.Range(0, 1 << 20).Select(i => (byte)((i * 31) ^ (i >> 8)))];

    public int Port => _server.Address.Port;

    /// <summary>The headers of every request received, in order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Received { get; } = new();

    public static async Task<MediaApp> StartAsync()
    {
        MediaApp? app = null;
        var server = await LoopbackServer.StartAsync(
            _ => { },
            web =>
            {
                web.UseWebSockets();
                web.Run(context => app!.HandleAsync(context));
            });
        app = new MediaApp(server);
        return app;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        Received.Enqueue(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        switch (context.Request.Path.Value)
        {
            case "/video":
                await Results.File(Video, "video/mp4", enableRangeProcessing: true).ExecuteAsync(context);
                return;
            case "/socket" when context.WebSockets.IsWebSocketRequest:
                await EchoAsync(context);
                return;
            case "/upload":
                // Counted as it streams, never held: the app, not the proxies, decides how large an upload may be.
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
                await CountAsync(context);
                return;
            default:
                await context.Response.WriteAsync("jellyfin", context.RequestAborted);
                return;
        }
    }

    private static async Task EchoAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
        }
    }

    private static async Task CountAsync(HttpContext context)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            total += read;
        }

        await context.Response.WriteAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture), context.RequestAborted);
    }
}
