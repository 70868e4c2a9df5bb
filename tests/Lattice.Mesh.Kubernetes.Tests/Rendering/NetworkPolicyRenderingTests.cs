using System.Text.Json;
using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Rendering;
using static Lattice.Mesh.Kubernetes.Tests.Rendering.MediaServer;

namespace Lattice.Mesh.Kubernetes.Tests.Rendering;

public sealed class NetworkPolicyRenderingTests
{
    private const string Gateway = "lattice-system:app.kubernetes.io/name=lattice-gateway";

    [Fact]
    public void NzbGet_AdmitsOnlySonarrsPods_OnTheSidecarPort()
    {
        var policy = Render("nzbget").NetworkPolicy;

        var rule = Assert.Single(policy.Spec.Ingress);
        Assert.Equal(["media:lattice.dev/service=sonarr"], rule.FromProperty.Select(Peer));
        var port = Assert.Single(rule.Ports);
        Assert.Equal(("TCP", "15006"), (port.Protocol, port.Port.Value));
        Assert.Equal(("nzbget", "media"), (policy.Metadata.Name, policy.Metadata.NamespaceProperty));
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        Assert.Equal("nzbget", Assert.Single(policy.Spec.PodSelector.MatchLabels, l => l.Key == "lattice.dev/service").Value);
        Assert.Single(policy.Spec.PodSelector.MatchLabels);
    }

    [Fact]
    public void Jellyfin_AdmitsSonarrAndTheGateway_BecauseItHasIngress()
    {
        var rule = Assert.Single(Render("jellyfin").NetworkPolicy.Spec.Ingress);

        Assert.Equal(["media:lattice.dev/service=sonarr", Gateway], rule.FromProperty.Select(Peer));
        Assert.Equal(Labels.SidecarInboundPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(rule.Ports).Port.Value);
    }

    [Fact]
    public void Sonarr_AdmitsOnlyTheGateway_BecauseNzbGetDeclaresNoOutboundToIt()
    {
        var rule = Assert.Single(Render("sonarr").NetworkPolicy.Spec.Ingress);

        Assert.Equal([Gateway], rule.FromProperty.Select(Peer));
    }

    [Fact]
    public void NoCallersAndNoIngress_DeniesEverything()
    {
        // Sonarr no longer declares NZBGet outbound: NZBGet's inbound declaration alone allows nothing.
        var services = With(Load(), "sonarr", s => s with
        {
            Spec = s.Spec with { Resources = s.Spec.Resources.Where(r => r.Key != "nzbget").ToDictionary() },
        });

        var policy = Render("nzbget", services).NetworkPolicy;

        Assert.NotNull(policy.Spec.Ingress);
        Assert.Empty(policy.Spec.Ingress);
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        using var json = JsonDocument.Parse(Json(policy));
        var spec = json.RootElement.GetProperty("spec");
        Assert.Equal(0, spec.GetProperty("ingress").GetArrayLength());
        Assert.Equal("Ingress", Assert.Single(spec.GetProperty("policyTypes").EnumerateArray()).GetString());
    }

    [Fact]
    public void CallersFromAnotherNamespace_AreSelectedInTheirNamespace_InOrder()
    {
        var service = Get(Load(), "nzbget");
        var context = new RenderContext { OwnerUid = UidOf("nzbget"), Callers = [new("tools", "backup"), new("media", "sonarr"), new("media", "radarr")] };

        var rule = Assert.Single(WorkloadRenderer.Render(service, context).NetworkPolicy.Spec.Ingress);

        Assert.Equal(["media:lattice.dev/service=radarr", "media:lattice.dev/service=sonarr", "tools:lattice.dev/service=backup"], rule.FromProperty.Select(Peer));
    }

    [Fact]
    public void OnlyTheGateway_WhenIngressAndNoCallers_FollowsTheConfiguredGateway()
    {
        var service = Get(Load(), "sonarr");
        var context = new RenderContext { OwnerUid = UidOf("sonarr"), Callers = [], HasIngress = true, Gateway = new ServiceId("edge", "edge-gateway") };

        var rule = Assert.Single(WorkloadRenderer.Render(service, context).NetworkPolicy.Spec.Ingress);

        Assert.Equal(["edge:app.kubernetes.io/name=edge-gateway"], rule.FromProperty.Select(Peer));
    }

    /// <summary>One peer as namespace:label=value; namespace and pod selector in one peer, so both must match.</summary>
    private static string Peer(V1NetworkPolicyPeer peer)
    {
        Assert.Null(peer.IpBlock);
        Assert.Null(peer.NamespaceSelector.MatchExpressions);
        Assert.Null(peer.PodSelector.MatchExpressions);
        var ns = Assert.Single(peer.NamespaceSelector.MatchLabels);
        Assert.Equal("kubernetes.io/metadata.name", ns.Key);
        var pod = Assert.Single(peer.PodSelector.MatchLabels);
        return $"{ns.Value}:{pod.Key}={pod.Value}";
    }
}
