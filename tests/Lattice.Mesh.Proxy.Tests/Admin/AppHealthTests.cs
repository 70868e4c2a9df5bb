using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Proxy.Tests.Forwarding;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Proxy.Tests.Admin;

/// <summary>
/// /app-health/&lt;container&gt;/&lt;probe&gt; on a real sidecar's admin listener: the app's own probe, from
/// LATTICE_APP_PROBES, performed against a real app on loopback.
/// </summary>
public sealed class AppHealthTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-app-health-");
    private LoopbackServer _app = null!;

    public async ValueTask InitializeAsync() =>
        _app = await LoopbackServer.StartAsync(context => context.Request.Path.Value switch
        {
            "/ping" => context.Response.WriteAsync("pong", Ct),
            "/moved" => Status(context, StatusCodes.Status302Found),
            "/broken" => Status(context, StatusCodes.Status500InternalServerError),
            "/slow" => Task.Delay(Timeout.Infinite, context.RequestAborted),
            "/secret" => Status(context, context.Request.Headers["X-Probe"] == "lattice" && context.Request.Headers.UserAgent.ToString().StartsWith("kube-probe/", StringComparison.Ordinal) ? StatusCodes.Status204NoContent : StatusCodes.Status401Unauthorized),
            _ => Status(context, StatusCodes.Status404NotFound),
        });

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task TheProbesTheInjectorWrites_AreTheProbesTheSidecarPerforms()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { GenerateName = "sonarr-" },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Image = "linuxserver/sonarr",
                        Ports = [new V1ContainerPort { ContainerPort = _app.Address.Port, Name = "http" }],
                        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/ping", Port = "http" } },
                        LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = _app.Address.Port } },
                    },
                ],
            },
        };
        var injected = SidecarInjector.Inject(pod, new NamespaceInfo("media", new Dictionary<string, string> { ["lattice.dev/mesh"] = "enabled" }), new InjectorSettings { ProxyImage = "lattice-proxy" });
        var probes = injected.Spec.InitContainers.Single(c => c.Name == "lattice-proxy").Env.Single(e => e.Name == "LATTICE_APP_PROBES").Value;
        var app = injected.Spec.Containers.Single(c => c.Name == "main");

        await using var sidecar = await StartAsync(probes);

        foreach (var probe in new[] { app.ReadinessProbe, app.LivenessProbe })
        {
            Assert.Equal("15000", probe.HttpGet.Port.Value); // rewritten to the sidecar's admin port, which performs the original
            using var response = await sidecar.Admin.GetAsync(probe.HttpGet.Path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task HttpGet_AppAnswering2xx_Is200()
    {
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/livez", HttpGet("/ping", _app.Address.Port))));

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/livez", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"ok: GET http://127.0.0.1:{_app.Address.Port}/ping answered 200\n", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task HttpGet_AppRedirecting_Is200_AsForTheKubelet()
    {
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/readyz", HttpGet("/moved", _app.Address.Port))));

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/readyz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HttpGet_AppFailing_Is503_WithItsStatus()
    {
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/readyz", HttpGet("/broken", _app.Address.Port))));

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/readyz", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await Body(response);
        Assert.Equal("app_unhealthy", body.GetProperty("error").GetString());
        Assert.Equal($"GET http://127.0.0.1:{_app.Address.Port}/broken answered 500", body.GetProperty("reason").GetString());
        Assert.Contains("kubectl logs <pod> -c sonarr", body.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpGet_AppNotListening_Is503_ConnectionRefused()
    {
        var closed = RefusedPort.Address().Port;
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/livez", HttpGet("/ping", closed))));

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/livez", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Connection refused", (await Body(response)).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpGet_AppTooSlow_Is503_AfterTheProbesTimeout()
    {
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/livez", new { httpGet = new { path = "/slow", port = _app.Address.Port }, timeoutSeconds = 1 })));

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/livez", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.EndsWith("/slow got no answer within 1s", (await Body(response)).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpGet_SendsTheProbesHeaders_AndAKubeProbeUserAgent()
    {
        var probe = new { httpGet = new { path = "/secret", port = _app.Address.Port, scheme = "HTTP", httpHeaders = new[] { new { name = "X-Probe", value = "lattice" } } } };
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/startupz", probe)));

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/startupz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HttpsGet_DoesNotCheckTheAppsCertificate_AsTheKubeletDoesNot()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=not-127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        using var certificate = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pkcs12), null);
        await using var https = await LoopbackServer.StartAsync(context => context.Response.WriteAsync("pong", Ct), listen: options => options.UseHttps(certificate));
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/livez", new { httpGet = new { path = "/ping", port = https.Address.Port, scheme = "HTTPS" } })));

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/livez", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"GET https://127.0.0.1:{https.Address.Port}/ping answered 200", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TcpSocket_OpenPort_Is200_ClosedPort_Is503()
    {
        using var database = new TcpListener(IPAddress.Loopback, 0);
        database.Start();
        var open = ((IPEndPoint)database.LocalEndpoint).Port;
        var closed = RefusedPort.Address().Port;
        await using var sidecar = await StartAsync(Probes(
            ("/app-health/postgres/livez", new { tcpSocket = new { port = open } }),
            ("/app-health/postgres/readyz", new { tcpSocket = new { port = closed } })));

        using var up = await sidecar.Admin.GetAsync("/app-health/postgres/livez", Ct);
        using var down = await sidecar.Admin.GetAsync("/app-health/postgres/readyz", Ct);

        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        Assert.Equal($"ok: TCP connect to 127.0.0.1:{open} succeeded\n", await up.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.StartsWith($"TCP connect to 127.0.0.1:{closed} failed: Connection refused", (await Body(down)).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPath_Is404_NamingTheKnownOnes()
    {
        await using var sidecar = await StartAsync(Probes(
            ("/app-health/sonarr/livez", HttpGet("/ping", _app.Address.Port)),
            ("/app-health/sonarr/readyz", HttpGet("/ping", _app.Address.Port))));

        using var response = await sidecar.Admin.GetAsync("/app-health/radarr/livez", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("no app probe /app-health/radarr/livez: the known ones are /app-health/sonarr/livez, /app-health/sonarr/readyz", (await Body(response)).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task WithoutAppProbes_Is404_SayingNoneAreConfigured()
    {
        await using var sidecar = await StartAsync(appProbes: null);

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/livez", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("LATTICE_APP_PROBES is not set", (await Body(response)).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadJson_IsLoggedAtStart_AndEveryProbeFailsClosed_WithTheReason()
    {
        using var logs = new CapturedLogs();
        await using var sidecar = await StartAsync("{\"/app-health/sonarr/livez\": {\"httpGet\": ", logs);

        using var response = await sidecar.Admin.GetAsync("/app-health/sonarr/livez", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await Body(response);
        Assert.Equal("app_probes_invalid", body.GetProperty("error").GetString());
        Assert.StartsWith("LATTICE_APP_PROBES is not valid JSON", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(logs.Lines, line => line.EventId == 5002 && line.Level == LogLevel.Error && line.Message.Contains("LATTICE_APP_PROBES is not valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvalidProbe_RefusesTheWholeSet_NamingTheFix()
    {
        await using var sidecar = await StartAsync(Probes(
            ("/app-health/sonarr/livez", HttpGet("/ping", _app.Address.Port)),
            ("/app-health/sonarr/readyz", new { httpGet = new { path = "/ping", port = "http" } })));

        using var valid = await sidecar.Admin.GetAsync("/app-health/sonarr/livez", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, valid.StatusCode);
        Assert.Contains("'/app-health/sonarr/readyz'.httpGet.port is the name \"http\"; the injector must resolve named ports", (await Body(valid)).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppProbes_AreNotReachableThroughTheAppListener()
    {
        await using var sidecar = await StartAsync(Probes(("/app-health/sonarr/livez", HttpGet("/ping", _app.Address.Port))));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/app-health/sonarr/livez") { Headers = { Host = $"127.0.0.1:{sidecar.Server.AdminUri.Port}" } };

        using var response = await sidecar.App.SendAsync(request, Ct);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    private static object HttpGet(string path, int port) => new { httpGet = new { path, port, scheme = "HTTP" } };

    private static string Probes(params (string Path, object Probe)[] probes) =>
        JsonSerializer.Serialize(probes.ToDictionary(p => p.Path, p => p.Probe));

    private static Task Status(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    private static async Task<JsonElement> Body(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return document.RootElement.Clone();
    }

    private Task<Sidecar> StartAsync(string? appProbes, CapturedLogs? logs = null) =>
        Sidecar.StartAsync(Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N")), "spiffe://lattice.local/ns/media/sa/sonarr", Pki.Create(), configure: o => o with { AppProbes = appProbes }, logs: logs);
}
