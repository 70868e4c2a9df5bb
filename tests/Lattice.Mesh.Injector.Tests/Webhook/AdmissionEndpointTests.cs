using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Injector.Tests.Mutation;
using Lattice.Mesh.Injector.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Injector.Tests.Webhook;

/// <summary>/mutate on a real Kestrel: AdmissionReviews in, reviews with a JSON patch (or none) out.</summary>
public sealed class AdmissionEndpointTests : IAsyncLifetime
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _namespaces = new()
    {
        ["media"] = new Dictionary<string, string> { ["lattice.dev/mesh"] = "enabled" },
        ["default"] = new Dictionary<string, string>(),
    };

    private WebApplication _app = null!;
    private HttpClient _client = null!;

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapSidecarInjection(Pods.Settings, (ns, _) => Task.FromResult(_namespaces.GetValueOrDefault(ns) ?? new Dictionary<string, string>()), NullLogger.Instance);
        await _app.StartAsync(Ct);
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task APodInAMeshedNamespace_IsAllowedWithAPatch_ThatGivesTheInjectedPod()
    {
        var pod = Pods.Web();

        var response = await ReviewAsync(Review("b1e2", "media", pod));

        Assert.Equal("b1e2", response["uid"]!.GetValue<string>());
        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.Equal("JSONPatch", response["patchType"]!.GetValue<string>());
        var patch = (JsonArray)JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(response["patch"]!.GetValue<string>())))!;
        var patched = JsonPatch.Apply(JsonNode.Parse(KubernetesJson.Serialize(pod))!, patch);
        var expected = SidecarInjector.Inject(pod, Pods.Meshed(), Pods.Settings);
        Assert.Equal(JsonPatch.Canonical(JsonNode.Parse(KubernetesJson.Serialize(expected))), JsonPatch.Canonical(patched));
    }

    [Fact]
    public async Task ABadAnnotation_ComesBackAsAWarning_AndThePodIsStillInjected()
    {
        var pod = Pods.Web();
        pod.Metadata.Annotations = new Dictionary<string, string> { ["lattice.dev/proxy-memory"] = "lots" };

        var response = await ReviewAsync(Review("c3", "media", pod));

        Assert.NotNull(response["patch"]);
        Assert.Contains(response["warnings"]!.AsArray(), w => w!.GetValue<string>().Contains("lattice.dev/proxy-memory", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("default")] // not meshed
    [InlineData("kube-system")]
    public async Task APodOutsideTheMesh_IsAllowedUnchanged(string ns)
    {
        var response = await ReviewAsync(Review("d4", ns, Pods.Web()));

        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.Null(response["patch"]);
    }

    [Fact]
    public async Task AnythingButAPod_IsAllowedUnchanged()
    {
        var review = Review("e5", "media", Pods.Web());
        review["request"]!["kind"]!["kind"] = "Deployment";

        var response = await ReviewAsync(review);

        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.Null(response["patch"]);
    }

    [Theory]
    [InlineData("{not json", "the body is not JSON")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"x"}}""", "apiVersion admission.k8s.io/v1")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1"}""", "request.uid")]
    public async Task AReviewThatCannotBeRead_IsA400_SayingWhatToSend(string body, string expected)
    {
        using var response = await _client.PostAsync(AdmissionEndpoint.Path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static JsonObject Review(string uid, string ns, V1Pod pod) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = "Pod" },
            ["operation"] = "CREATE",
            ["namespace"] = ns,
            ["object"] = JsonNode.Parse(KubernetesJson.Serialize(pod)),
        },
    };

    private async Task<JsonObject> ReviewAsync(JsonObject review)
    {
        using var response = await _client.PostAsJsonAsync(AdmissionEndpoint.Path, review, Ct);
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal("AdmissionReview", body["kind"]!.GetValue<string>());
        return body["response"]!.AsObject();
    }
}
