using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using static Lattice.Mesh.Kubernetes.Tests.Rendering.MediaServer;

namespace Lattice.Mesh.Kubernetes.Tests.Rendering;

public sealed class VolumeRenderingTests
{
    [Fact]
    public void NzbGet_OwnsTheDownloadsClaim_WithTheSeedsSizeClassAndMode()
    {
        var nzbget = Render("nzbget");

        var claim = Assert.Single(nzbget.PersistentVolumeClaims, c => c.Metadata.Name == "nzbget-downloads");
        Assert.Equal(("v1", "PersistentVolumeClaim", "media"), (claim.ApiVersion, claim.Kind, claim.Metadata.NamespaceProperty));
        Assert.Equal(["ReadWriteMany"], claim.Spec.AccessModes);
        Assert.Equal("500Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Single(claim.Spec.Resources.Requests);
        // The seed names no storage class: the field is left out, so the cluster's default class provisions it.
        Assert.Null(claim.Spec.StorageClassName);
        Assert.DoesNotContain("storageClassName", Json(claim), StringComparison.Ordinal);
    }

    [Fact]
    public void OwnedVolumes_EachGetAClaimNamedServiceDashResource_AndNothingElseDoes()
    {
        Assert.Equal(["nzbget-config", "nzbget-downloads"], Render("nzbget").PersistentVolumeClaims.Select(c => c.Metadata.Name));
        Assert.Equal(["jellyfin-config", "jellyfin-media"], Render("jellyfin").PersistentVolumeClaims.Select(c => c.Metadata.Name));
        Assert.Equal(["sonarr-config"], Render("sonarr").PersistentVolumeClaims.Select(c => c.Metadata.Name));

        var config = Assert.Single(Render("nzbget").PersistentVolumeClaims, c => c.Metadata.Name == "nzbget-config");
        Assert.Equal(["ReadWriteOnce"], config.Spec.AccessModes);
        Assert.Equal("1Gi", config.Spec.Resources.Requests["storage"].ToString());
        var media = Assert.Single(Render("jellyfin").PersistentVolumeClaims, c => c.Metadata.Name == "jellyfin-media");
        Assert.Equal(["ReadWriteMany"], media.Spec.AccessModes);
        Assert.Equal("1Ti", media.Spec.Resources.Requests["storage"].ToString());
    }

    [Fact]
    public void StorageClass_IsTheOwnersWhenGiven()
    {
        var services = With(Load(), "nzbget", s => s with
        {
            Spec = s.Spec with { Resources = s.Spec.Resources.ToDictionary(r => r.Key, r => r.Value is OwnedVolume v ? v with { StorageClass = "nfs-client" } : r.Value) },
        });

        var claim = Assert.Single(Render("nzbget", services).PersistentVolumeClaims, c => c.Metadata.Name == "nzbget-downloads");

        Assert.Equal("nfs-client", claim.Spec.StorageClassName);
    }

    [Fact]
    public void Claims_CarryTheVolumeLabels_AndNoOwnerReference()
    {
        var claim = Assert.Single(Render("nzbget").PersistentVolumeClaims, c => c.Metadata.Name == "nzbget-downloads");

        Assert.Equal("nzbget", claim.Metadata.Labels["lattice.dev/volume-owner"]);
        Assert.Equal("downloads", claim.Metadata.Labels["lattice.dev/volume"]);
        Assert.Equal("nzbget", claim.Metadata.Labels["lattice.dev/service"]);
        Assert.Equal("nzbget", claim.Metadata.Labels["app.kubernetes.io/name"]);
        Assert.Equal("lattice-mesh", claim.Metadata.Labels["app.kubernetes.io/managed-by"]);
        // The media library must not vanish with the LatticeService: the garbage collector may not touch claims.
        Assert.Null(claim.Metadata.OwnerReferences);
        Assert.DoesNotContain("ownerReferences", Json(claim), StringComparison.Ordinal);
    }

    [Fact]
    public void Sonarr_MountsTheClaimsNzbGetAndJellyfinOwn_AtTheSeedsPaths()
    {
        var pod = Render("sonarr").Deployment.Spec.Template.Spec;

        var main = Assert.Single(pod.Containers);
        Assert.Equal(
            [("/config", "config", null, null), ("/downloads", "downloads", null, null), ("/media", "media", null, null)],
            main.VolumeMounts.Select(m => (m.MountPath, m.Name, (string?)m.SubPath, m.ReadOnlyProperty)));
        Assert.Equal(
            [("config", "sonarr-config"), ("downloads", "nzbget-downloads"), ("media", "jellyfin-media")],
            pod.Volumes.Select(v => (v.Name, v.PersistentVolumeClaim.ClaimName)));
        Assert.All(pod.Volumes, v => Assert.Null(v.PersistentVolumeClaim.ReadOnlyProperty));
    }

    [Fact]
    public void Mount_WithPathAndReadOnly_BecomesSubPathAndReadOnly()
    {
        var services = With(Load(), "sonarr", s => s with
        {
            Spec = s.Spec with
            {
                Containers = s.Spec.Containers.ToDictionary(c => c.Key, c => c.Value with
                {
                    Volumes = c.Value.Volumes.ToDictionary(v => v.Key, v => v.Key == "/downloads" ? new ContainerVolumeSpec("downloads", "tv/complete", ReadOnly: true) : v.Value),
                }),
            },
        });

        var mount = Assert.Single(Assert.Single(Render("sonarr", services).Deployment.Spec.Template.Spec.Containers).VolumeMounts, m => m.MountPath == "/downloads");

        Assert.Equal(("downloads", "tv/complete", true), (mount.Name, mount.SubPath, mount.ReadOnlyProperty));
    }

    [Fact]
    public void EveryClaimAPodMounts_IsRenderedByExactlyOneService()
    {
        string[] names = ["jellyfin", "nzbget", "sonarr"];
        var rendered = names.Select(name => Render(name)).ToList();

        var claims = rendered.SelectMany(r => r.PersistentVolumeClaims).Select(c => c.Metadata.Name).ToList();
        var mounted = rendered.SelectMany(r => r.Deployment.Spec.Template.Spec.Volumes).Select(v => v.PersistentVolumeClaim.ClaimName).Distinct().ToList();

        Assert.Equal(claims.Count, claims.Distinct().Count());
        Assert.All(mounted, name => Assert.Contains(name, claims));
        Assert.Equal(claims.Order(StringComparer.Ordinal), mounted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AVolumeTwoContainersMount_IsOnePodVolume_WithValidNames()
    {
        var services = With(Load(), "nzbget", s => s with
        {
            Spec = s.Spec with
            {
                Containers = new Dictionary<string, ContainerSpec>(s.Spec.Containers)
                {
                    ["exporter"] = new()
                    {
                        Image = "example/nzbget-exporter:1",
                        Variables = new Dictionary<string, string>(),
                        Volumes = new Dictionary<string, ContainerVolumeSpec> { ["/downloads"] = new("downloads", null, ReadOnly: true) },
                    },
                },
            },
        });

        var pod = Render("nzbget", services).Deployment.Spec.Template.Spec;

        Assert.Equal(["config", "downloads"], pod.Volumes.Select(v => v.Name));
        Assert.All(pod.Volumes, v => Assert.True(Lattice.Mesh.RouteTable.Names.IsDnsLabel(v.Name), v.Name));
        var exporter = Assert.Single(pod.Containers, c => c.Name == "exporter");
        Assert.Equal(("downloads", true), (Assert.Single(exporter.VolumeMounts).Name, Assert.Single(exporter.VolumeMounts).ReadOnlyProperty));
    }

    [Fact]
    public void AServiceWithoutVolumes_HasNoPodVolumesAndNoClaims()
    {
        var services = With(Load(), "sonarr", s => s with
        {
            Spec = s.Spec with
            {
                Containers = s.Spec.Containers.ToDictionary(c => c.Key, c => c.Value with { Volumes = new Dictionary<string, ContainerVolumeSpec>() }),
                Resources = s.Spec.Resources.Where(r => r.Value is not (OwnedVolume or VolumeReference)).ToDictionary(),
            },
        });

        var sonarr = Render("sonarr", services);

        Assert.Empty(sonarr.PersistentVolumeClaims);
        Assert.Null(sonarr.Deployment.Spec.Template.Spec.Volumes);
        Assert.Null(Assert.Single(sonarr.Deployment.Spec.Template.Spec.Containers).VolumeMounts);
        Assert.DoesNotContain(sonarr.All(), o => o is V1PersistentVolumeClaim);
    }
}
