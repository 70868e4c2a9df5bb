using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>What the controller serves the gateway when a service with ingress stops compiling: its hosts as they were.</summary>
public sealed class ServedTablesTests
{
    private static readonly ServiceId Gateway = CompilerOptions.DefaultGateway;
    private static readonly ServiceId Sonarr = new("media", "sonarr");

    [Fact]
    public void ABadEditOfAServiceWithIngress_KeepsItsHostsAtTheGateway_AsTheyWere()
    {
        var services = ManifestLoader.Load(Repository.MediaServer).Services;
        var good = MeshCompiler.Compile(services, CompilerOptions.Default);
        var before = ServedTables.Of(good, Gateway)[Gateway];

        // Sonarr's ingress now names a port it does not have: sonarr fails to compile, so the new gateway table lacks it.
        var broken = MeshCompiler.Compile([.. services.Select(s => s.Id == Sonarr ? s with { Spec = s.Spec with { Ingress = s.Spec.Ingress! with { Port = "nope" } } } : s)], CompilerOptions.Default);
        Assert.Contains(Sonarr, broken.Failed);
        Assert.DoesNotContain(broken.GatewayTable!.Gateway, h => h.Host == "sonarr.home.local");

        var served = ServedTables.Of(broken, Gateway, before, broken.Failed)[Gateway];

        Assert.Equal(before.Gateway.Single(h => h.Host == "sonarr.home.local"), served.Gateway.Single(h => h.Host == "sonarr.home.local"));
        Assert.Equal(broken.GatewayTable.Gateway.Single(h => h.Host == "jellyfin.home.local"), served.Gateway.Single(h => h.Host == "jellyfin.home.local"));
        Assert.Equal(RouteTable.RouteTableRevision.Stamp(served).Revision, served.Revision);
    }

    [Fact]
    public void AServiceThatIsGone_LosesItsHosts_AndAHostClaimedAnewIsNotOverridden()
    {
        var services = ManifestLoader.Load(Repository.MediaServer).Services;
        var before = ServedTables.Of(MeshCompiler.Compile(services, CompilerOptions.Default), Gateway)[Gateway];

        // Sonarr deleted: nothing to keep, even with a previous table at hand.
        var without = MeshCompiler.Compile([.. services.Where(s => s.Id != Sonarr)], CompilerOptions.Default);
        var served = ServedTables.Of(without, Gateway, before, without.Failed)[Gateway];
        Assert.DoesNotContain(served.Gateway, h => h.Host == "sonarr.home.local");

        // Sonarr failing while Jellyfin, which compiled, now claims sonarr.home.local: the host that compiled wins.
        var jellyfin = new ServiceId("media", "jellyfin");
        var moved = MeshCompiler.Compile(
            [
                .. services.Select(s =>
                    s.Id == Sonarr ? s with { Spec = s.Spec with { Ingress = s.Spec.Ingress! with { Hosts = ["other.home.local"], Port = "nope" } } }
                    : s.Id == jellyfin ? s with { Spec = s.Spec with { Ingress = s.Spec.Ingress! with { Hosts = ["jellyfin.home.local", "sonarr.home.local"] } } }
                    : s),
            ],
            CompilerOptions.Default);
        Assert.Contains(Sonarr, moved.Failed);
        var claimed = ServedTables.Of(moved, Gateway, before, moved.Failed)[Gateway];
        Assert.Equal("media/jellyfin", claimed.Gateway.Single(h => h.Host == "sonarr.home.local").Service);
    }
}
