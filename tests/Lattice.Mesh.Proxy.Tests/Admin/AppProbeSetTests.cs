using Lattice.Mesh.Proxy.Admin;

namespace Lattice.Mesh.Proxy.Tests.Admin;

/// <summary>Reading LATTICE_APP_PROBES: Kubernetes' defaults, and every mistake refused with its fix.</summary>
public sealed class AppProbeSetTests
{
    [Fact]
    public void Probes_TakeKubernetesDefaults()
    {
        var set = AppProbeSet.Parse("""
            {
              "/app-health/app/livez": {"httpGet": {"port": 8989}},
              "/app-health/app/readyz": {"httpGet": {"path": "ready?full=1", "port": "9000", "scheme": "https"}, "timeoutSeconds": 3},
              "/app-health/db/startupz": {"tcpSocket": {"port": 5432}}
            }
            """);

        Assert.Null(set.Error);
        Assert.True(set.Configured);
        Assert.Equal(new HttpGetProbe { Port = 8989, Path = "/", Timeout = TimeSpan.FromSeconds(1) }, set.Probes["/app-health/app/livez"]);
        Assert.Equal(new HttpGetProbe { Port = 9000, Path = "/ready?full=1", Https = true, Timeout = TimeSpan.FromSeconds(3) }, set.Probes["/app-health/app/readyz"]);
        Assert.Equal(new TcpSocketProbe { Port = 5432, Timeout = TimeSpan.FromSeconds(1) }, set.Probes["/app-health/db/startupz"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Unset_IsNotConfigured_NorAnError(string? json)
    {
        var set = AppProbeSet.Parse(json);

        Assert.False(set.Configured);
        Assert.Null(set.Error);
        Assert.Empty(set.Probes);
    }

    [Theory]
    [InlineData("[1]", "LATTICE_APP_PROBES is a JSON array; it must be an object")]
    [InlineData("{\"/healthz\": {\"tcpSocket\": {\"port\": 1}}}", "'/healthz' is not a probe path; use /app-health/<container>/livez, /readyz or /startupz")]
    [InlineData("{\"/app-health/app/livez\": {\"exec\": {\"command\": [\"true\"]}}}", "has neither httpGet nor tcpSocket; only those probes are rewritten")]
    [InlineData("{\"/app-health/app/livez\": {\"httpGet\": {\"port\": 1}, \"tcpSocket\": {\"port\": 1}}}", "has both httpGet and tcpSocket; give one")]
    [InlineData("{\"/app-health/app/livez\": {\"tcpSocket\": {}}}", "'/app-health/app/livez'.tcpSocket.port is required")]
    [InlineData("{\"/app-health/app/livez\": {\"tcpSocket\": {\"port\": 70000}}}", "'/app-health/app/livez'.tcpSocket.port 70000 is not a port")]
    [InlineData("{\"/app-health/app/livez\": {\"httpGet\": {\"port\": 80, \"scheme\": \"FTP\"}}}", "httpGet.scheme must be HTTP or HTTPS")]
    [InlineData("{\"/app-health/app/livez\": {\"httpGet\": {\"port\": 80}, \"timeoutSeconds\": 0}}", "timeoutSeconds must be a whole number of seconds from 1 to 3600")]
    [InlineData("{\"/app-health/app/livez\": {\"httpGet\": {\"port\": 80, \"httpHeaders\": [{\"name\": \"X\"}]}}}", "httpHeaders: {\"name\": \"X\"} is not")]
    public void Mistake_RefusesTheSet_WithItsFix(string json, string expected)
    {
        var set = AppProbeSet.Parse(json);

        Assert.True(set.Configured);
        Assert.Empty(set.Probes);
        Assert.Contains(expected, set.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMistake_IsReported_NotOnlyTheFirst()
    {
        var set = AppProbeSet.Parse("""{"/app-health/a/livez": {"tcpSocket": {}}, "/app-health/b/livez": {"httpGet": {"port": "http"}}}""");

        Assert.Contains("'/app-health/a/livez'.tcpSocket.port is required", set.Error, StringComparison.Ordinal);
        Assert.Contains("'/app-health/b/livez'.httpGet.port is the name \"http\"", set.Error, StringComparison.Ordinal);
    }
}
