namespace Lattice.Mesh.RouteTable.Tests;

public sealed class RouteTableEqualityTests
{
    [Fact]
    public void TablesBuiltSeparately_WithTheSameContent_AreEqual()
    {
        var first = SonarrTable.Create();
        var second = SonarrTable.Create();

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.True(first == second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Fact]
    public void TablesDifferingInOneHost_AreNotEqual()
    {
        var first = SonarrTable.Create();
        var second = first.WithOutbound(SonarrTable.Nzbget, d => d with { Hosts = d.Hosts.SetItem(0, "sabnzbd") });

        Assert.NotEqual(first, second);
        Assert.False(first == second);
    }

    [Theory]
    [InlineData("port")]
    [InlineData("caller rate limit")]
    [InlineData("retry condition order")]
    [InlineData("per-try timeout")]
    [InlineData("request timeout")]
    [InlineData("denied reason")]
    [InlineData("external url")]
    [InlineData("ingress host")]
    [InlineData("volume mount")]
    public void TablesDifferingInOneNestedValue_AreNotEqual(string change)
    {
        var first = SonarrTable.Create();
        var second = first.With(change);

        Assert.NotEqual(first, second);
        Assert.NotEqual(first.Revision, RouteTableRevision.Compute(second));
    }

    [Fact]
    public void NestedRecordsWithCollections_CompareByContent()
    {
        var first = SonarrTable.Create();
        var second = SonarrTable.Create();

        Assert.Equal(first.Outbound[SonarrTable.Nzbget], second.Outbound[SonarrTable.Nzbget]);
        Assert.Equal(first.Outbound[SonarrTable.Nzbget].GetHashCode(), second.Outbound[SonarrTable.Nzbget].GetHashCode());
        Assert.Equal(first.Outbound[SonarrTable.Nzbget].Retries, second.Outbound[SonarrTable.Nzbget].Retries);
        Assert.Equal(first.Denied[0], second.Denied[0]);
        Assert.Equal(first.External[0], second.External[0]);
        Assert.Equal(first.Ingress, second.Ingress);
        Assert.Equal(first.Ingress!.GetHashCode(), second.Ingress!.GetHashCode());
        Assert.Equal(first.Volumes[0], second.Volumes[0]);
    }
}
