using System.Net;
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
}
