using System.Text.Json.Nodes;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Crd;

/// <summary>
/// Malformed LatticeServices are refused by the CRD's schema with a message that names the field. Each case is the
/// valid document below with one defect, applied twice: as a user types it (kubectl's client-side validation first)
/// and with <c>--validate=false</c> (the API server's schema alone, which is all a client such as the controller meets).
/// </summary>
public sealed class SchemaValidationTests(KubernetesCluster cluster)
{
    private const string Valid = """
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata:
          name: checked
        spec:
          containers:
            main:
              image: example/app:1.0
              volumes:
                /data: {source: "${resources.data}"}
              livenessProbe:
                httpGet: {path: /healthz, port: 8080}
          service:
            ports:
              http: {port: 8080, protocol: TCP}
          resources:
            data:
              type: volume
              params: {size: 1Gi, accessMode: ReadWriteOnce}
            caller:
              type: service
              direction: inbound
              inbound:
                rateLimit: {requestsPerInterval: 10, intervalSeconds: 60}
            callee:
              type: service
              direction: outbound
              outbound:
                retries: {attempts: 3, perTryTimeout: 10s}
                timeout: {request: 1m30s}
          ingress:
            hosts: [app.example.test]
            rateLimit: {requestsPerInterval: 5, intervalSeconds: 1}
        """;

    /// <summary>Case name: the text in <see cref="Valid"/> to replace, its replacement, and the field the error must name.</summary>
    private static readonly Dictionary<string, (string Old, string New, string Field)> Defects = new()
    {
        ["port is a string"] = ("http: {port: 8080, protocol: TCP}", "http: {port: abc, protocol: TCP}", "spec.service.ports.http.port"),
        ["resource type not in the enum"] = ("type: volume", "type: database", "spec.resources.data.type"),
        ["container without image"] = ("image: example/app:1.0", "command: [/app]", "spec.containers.main.image"),
        ["rateLimit without intervalSeconds"] = ("rateLimit: {requestsPerInterval: 10, intervalSeconds: 60}", "rateLimit: {requestsPerInterval: 10}", "spec.resources.caller.inbound.rateLimit.intervalSeconds"),
        ["ingress rateLimit without intervalSeconds"] = ("rateLimit: {requestsPerInterval: 5, intervalSeconds: 1}", "rateLimit: {requestsPerInterval: 5}", "spec.ingress.rateLimit.intervalSeconds"),
        ["retries above the maximum"] = ("retries: {attempts: 3, perTryTimeout: 10s}", "retries: {attempts: 11, perTryTimeout: 10s}", "spec.resources.callee.outbound.retries.attempts"),
        ["a duration in words"] = ("timeout: {request: 1m30s}", "timeout: {request: 90 seconds}", "spec.resources.callee.outbound.timeout.request"),
        ["a duration without its unit"] = ("perTryTimeout: 10s", "perTryTimeout: \"10\"", "spec.resources.callee.outbound.retries.perTryTimeout"),
        ["a size that is not a quantity"] = ("size: 1Gi", "size: lots", "spec.resources.data.params.size"),
        ["probe port out of range"] = ("httpGet: {path: /healthz, port: 8080}", "httpGet: {path: /healthz, port: 0}", "spec.containers.main.livenessProbe.httpGet.port"),
        ["volume source not a resource reference"] = ("source: \"${resources.data}\"", "source: /mnt/data", "spec.containers.main.volumes./data.source"),
        ["access mode not in the enum"] = ("accessMode: ReadWriteOnce", "accessMode: Shared", "spec.resources.data.params.accessMode"),
    };

    public static TheoryData<string, bool> Cases()
    {
        var cases = new TheoryData<string, bool>();
        foreach (var name in Defects.Keys)
        {
            cases.Add(name, true);
            cases.Add(name, false);
        }

        return cases;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Apply_AcceptsTheValidDocument_TheDefectsAreMadeFrom(bool clientValidation)
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = await cluster.CreateNamespaceAsync("crd-valid", cancellationToken: ct);

        var (exitCode, _, stderr) = await LatticeServiceApi.ApplyAsync(cluster, ns, Valid, ct, $"--validate={clientValidation}");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(["checked"], await LatticeServiceApi.NamesAsync(cluster, ns, ct));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Apply_RejectsMalformedSpec_NamingTheField(string defect, bool clientValidation)
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = await cluster.CreateNamespaceAsync("crd-invalid", cancellationToken: ct);
        var (oldText, newText, field) = Defects[defect];
        Assert.Equal(2, Valid.Split(oldText).Length);
        var yaml = Valid.Replace(oldText, newText, StringComparison.Ordinal);

        var (exitCode, stdout, stderr) = await LatticeServiceApi.ApplyAsync(cluster, ns, yaml, ct, $"--validate={clientValidation}");

        Assert.True(exitCode != 0, $"kubectl accepted a LatticeService with a {defect}: {stdout}");
        if (clientValidation)
        {
            // kubectl's own check names the object that holds the field, then the field ("missing required field \"image\"").
            var lastDot = field.LastIndexOf('.');
            Assert.Contains(field[..lastDot], stderr, StringComparison.Ordinal);
            Assert.Contains(field[(lastDot + 1)..], stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(field, stderr, StringComparison.Ordinal);
        }

        Assert.Empty(await LatticeServiceApi.NamesAsync(cluster, ns, ct));
    }

    [Fact]
    public async Task Apply_FillsTheHarmlessDefaults()
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = await cluster.CreateNamespaceAsync("crd-defaults", cancellationToken: ct);
        var yaml = Valid.Replace("http: {port: 8080, protocol: TCP}", "http: {port: 8080}", StringComparison.Ordinal)
            .Replace("spec:\n", "spec:\n  replicas: {max: 3}\n", StringComparison.Ordinal);

        var (exitCode, _, stderr) = await LatticeServiceApi.ApplyAsync(cluster, ns, yaml, ct);
        Assert.True(exitCode == 0, stderr);

        var spec = (await LatticeServiceApi.GetAsync(cluster, ns, "checked", ct))["spec"]!;
        Assert.Equal(1, spec["replicas"]!["min"]!.GetValue<int>());
        Assert.Equal(3, spec["replicas"]!["max"]!.GetValue<int>());
        Assert.Equal("TCP", spec["service"]!["ports"]!["http"]!["protocol"]!.GetValue<string>());
    }

    [Fact]
    public async Task Apply_RejectsAnUnknownSpecField_WhenKubectlValidates()
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = await cluster.CreateNamespaceAsync("crd-unknown", cancellationToken: ct);

        var (exitCode, stdout, stderr) = await LatticeServiceApi.ApplyAsync(cluster, ns, WithTypo(), ct);

        Assert.True(exitCode != 0, $"kubectl accepted a misspelt field: {stdout}");
        Assert.Contains("LatticeService.spec", stderr, StringComparison.Ordinal);
        Assert.Contains("unknown field \"replica\"", stderr, StringComparison.Ordinal);
        Assert.Empty(await LatticeServiceApi.NamesAsync(cluster, ns, ct));
    }

    [Fact]
    public async Task Apply_PrunesAnUnknownSpecField_WhenValidationIsOff()
    {
        // The API server does not reject unknown fields (v1.20 has no server-side field validation); the structural
        // schema prunes them, so the controller never reads a field the schema does not declare.
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = await cluster.CreateNamespaceAsync("crd-prune", cancellationToken: ct);

        var (exitCode, _, stderr) = await LatticeServiceApi.ApplyAsync(cluster, ns, WithTypo(), ct, "--validate=false");

        Assert.True(exitCode == 0, stderr);
        var spec = (JsonObject)(await LatticeServiceApi.GetAsync(cluster, ns, "checked", ct))["spec"]!;
        Assert.False(spec.ContainsKey("replica"), $"the unknown field was stored: {spec.ToJsonString()}");
        Assert.True(spec.ContainsKey("containers"));
    }

    /// <summary><see cref="Valid"/> with "replicas" misspelt.</summary>
    private static string WithTypo()
    {
        var yaml = Valid.Replace("spec:\n  containers:\n", "spec:\n  replica: {min: 2}\n  containers:\n", StringComparison.Ordinal);
        Assert.NotEqual(Valid, yaml);
        return yaml;
    }
}
