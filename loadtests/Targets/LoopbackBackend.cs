using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// The app behind every path: Kestrel on 127.0.0.1 (port chosen by the system) answering <see cref="ResponseBytes"/>
/// bytes to any request, and, under <c>/flaky</c>, 503 to one request in ten (the retry scenario).
/// </summary>
internal sealed class LoopbackBackend : IAsyncDisposable
{
    public const int ResponseBytes = 1024;
    private static readonly byte[] Body = new byte[ResponseBytes];
    private readonly WebApplication _app;
    private long _flaky;

    private LoopbackBackend(WebApplication app) => _app = app;

    public int Port => new Uri(_app.Urls.Single()).Port;

    /// <summary>How many <c>/flaky</c> requests were answered 503.</summary>
    public long FlakyFailures => Interlocked.Read(ref _flaky) / 10;

    public static async Task<LoopbackBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var backend = new LoopbackBackend(app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/flaky") && Interlocked.Increment(ref _flaky) % 10 == 0)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }

        context.Response.ContentLength = ResponseBytes;
        return context.Response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
    }
}
