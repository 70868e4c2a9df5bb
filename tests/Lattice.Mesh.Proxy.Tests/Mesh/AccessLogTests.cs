using System.Net;
using Microsoft.Extensions.Logging;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

public sealed class AccessLogTests : IAsyncLifetime
{
    private const int AccessEvent = 2001;
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-access-");
    private readonly CapturedLogs _quiet = new();
    private readonly CapturedLogs _verbose = new();
    private Sidecar _default = null!;
    private Sidecar _logging = null!;

    public async ValueTask InitializeAsync()
    {
        var pki = Pki.Create();
        _default = await Sidecar.StartAsync(Path.Combine(_folder.FullName, "a"), "spiffe://lattice.local/ns/media/sa/sonarr", pki, logs: _quiet);
        _logging = await Sidecar.StartAsync(Path.Combine(_folder.FullName, "b"), "spiffe://lattice.local/ns/media/sa/sonarr", pki, configure: o => o with { AccessLog = true }, logs: _verbose);
    }

    public async ValueTask DisposeAsync()
    {
        await _default.DisposeAsync();
        await _logging.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task AccessLog_IsOffByDefault_AndOneLinePerRequestWhenOn()
    {
        foreach (var sidecar in new[] { _default, _logging })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/some/path") { Headers = { Host = "nzbget:6789" } };
            using var response = await sidecar.App.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        Assert.DoesNotContain(_quiet.Lines, l => l.EventId == AccessEvent);
        var line = Assert.Single(_verbose.Lines, l => l.EventId == AccessEvent);
        Assert.Contains("outbound GET /some/path", line.Message, StringComparison.Ordinal);
        Assert.Contains("503", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedRequests_WriteNoLogLine_WhileTheAccessLogIsOff()
    {
        // ASP.NET Core's hosting diagnostics and YARP's forwarder would each log at Information on every request:
        // four lines per request in each sidecar, which cost more CPU than the forwarding itself.
        var logs = new CapturedLogs();
        await using var mesh = await MediaMesh.StartAsync(logs: logs);
        var path = $"/api/{Guid.NewGuid():N}";

        using var allowed = await mesh.CallAsync("sonarr", $"http://nzbget:6789{path}");
        using var denied = await mesh.CallAsync("nzbget", $"http://sonarr:8989{path}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Forbidden), (allowed.StatusCode, denied.StatusCode));
        Assert.Single(mesh.Apps["nzbget"].Received);
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains(path, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Level == LogLevel.Information && l.Message.Contains("response 200", StringComparison.Ordinal));
    }
}
