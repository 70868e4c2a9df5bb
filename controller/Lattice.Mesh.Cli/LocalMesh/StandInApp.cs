using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Cli.LocalMesh;

/// <summary>
/// The app a service would run, stood in for: it answers any request with its service name;
/// <c>GET /call/&lt;service&gt;/&lt;path&gt;</c> calls that service through its own sidecar and returns the callee's
/// status, headers and body; <c>POST /fail?count=N&amp;status=503</c> makes its next N answers fail, to watch retries.
/// </summary>
internal sealed class StandInApp : IAsyncDisposable
{
    private static readonly System.Text.Json.JsonSerializerOptions Readable = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // shown in a terminal, never in HTML
    };

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _ports;
    private HttpClient? _sidecar;
    private int _failuresLeft;
    private int _failureStatus = StatusCodes.Status503ServiceUnavailable;

    private StandInApp(WebApplication app, string name, ConcurrentDictionary<string, int> ports)
    {
        _app = app;
        Name = name;
        _ports = ports;
    }

    public string Name { get; }

    public Uri Address { get; private set; } = null!;

    /// <summary>Starts on a free loopback port. <paramref name="ports"/> maps service names to the port to call them on.</summary>
    public static async Task<StandInApp> StartAsync(string name, ConcurrentDictionary<string, int> ports)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new StandInApp(app, name, ports);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        standIn.Address = new Uri(app.Urls.Single());
        return standIn;
    }

    /// <summary>Calls from this app go through <paramref name="outbound"/>, its sidecar, as an HTTP proxy.</summary>
    public void UseSidecar(Uri outbound) =>
        _sidecar = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(outbound), UseProxy = true, AllowAutoRedirect = false });

    public async ValueTask DisposeAsync()
    {
        _sidecar?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (HttpMethods.IsPost(context.Request.Method) && path == "/fail")
        {
            _failureStatus = int.TryParse(context.Request.Query["status"], out var status) ? status : StatusCodes.Status503ServiceUnavailable;
            Volatile.Write(ref _failuresLeft, int.TryParse(context.Request.Query["count"], out var count) ? count : 1);
            await context.Response.WriteAsync($"{Name} will answer {_failureStatus} {_failuresLeft} time(s)\n");
            return;
        }

        if (path.StartsWith("/call/", StringComparison.Ordinal))
        {
            await CallAsync(context, path["/call/".Length..]);
            return;
        }

        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            context.Response.StatusCode = _failureStatus;
            await context.Response.WriteAsync($"{Name} failing on purpose\n");
            return;
        }

        await context.Response.WriteAsync($"{Name}\n");
    }

    private async Task CallAsync(HttpContext context, string rest)
    {
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var service = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "/" : rest[slash..];
        var host = _ports.TryGetValue(service, out var port) ? $"{service}:{port}" : service;
        var result = new JsonObject { ["from"] = Name, ["to"] = $"http://{host}{path}" };
        try
        {
            using var response = await _sidecar!.GetAsync($"http://{host}{path}{context.Request.QueryString}", context.RequestAborted);
            result["status"] = (int)response.StatusCode;
            result["headers"] = new JsonObject(response.Headers.Concat(response.Content.Headers)
                .Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)string.Join(", ", h.Value))));
            result["body"] = await response.Content.ReadAsStringAsync(context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
        }
        catch (HttpRequestException exception)
        {
            result["status"] = StatusCodes.Status502BadGateway;
            result["error"] = exception.Message;
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(result.ToJsonString(Readable) + "\n");
    }
}
