namespace Lattice.Mesh.RouteTable.Tests;

/// <summary>A key that names one service and an identity that names another would authorize the wrong peer.</summary>
public sealed class IdentityConsistencyTests
{
    [Fact]
    public void Refuses_ACallerWhoseSpiffeIdNamesAnotherService()
    {
        var table = SonarrTable.Unstamped().WithInbound(0, c => c with { SpiffeId = "spiffe://lattice.local/ns/media/sa/nzbget" });

        var error = Assert.Single(RouteTableValidator.Validate(table));

        Assert.Equal("inbound[0].spiffeId", error.Field);
        Assert.Contains("media/nzbget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_ADestinationWhoseSpiffeIdNamesAnotherService()
    {
        var unstamped = SonarrTable.Unstamped();
        var table = unstamped with { Outbound = unstamped.Outbound.SetItem(SonarrTable.Nzbget, unstamped.Outbound[SonarrTable.Nzbget] with { SpiffeId = "spiffe://lattice.local/ns/media/sa/jellyfin" }) };

        var error = Assert.Single(RouteTableValidator.Validate(table));

        Assert.Equal("outbound[1].spiffeId", error.Field);
    }

    [Fact]
    public void Refuses_ARateLimitDividedByAnotherReplicaCount()
    {
        var table = SonarrTable.Unstamped() with { Replicas = 3 };

        var errors = RouteTableValidator.Validate(table);

        Assert.Contains(errors, e => e.Field == "inbound[0].rateLimit.replicas");
        Assert.Contains(errors, e => e.Field == "ingress.rateLimit.replicas");
    }

    [Fact]
    public void Accepts_ATableWhoseReplicasAndLimitsAgree()
    {
        Assert.Empty(RouteTableValidator.Validate(RouteTableRevision.Stamp(SonarrTable.Unstamped().WithReplicas(5))));
    }
}
