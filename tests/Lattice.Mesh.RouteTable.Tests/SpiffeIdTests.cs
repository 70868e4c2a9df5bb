namespace Lattice.Mesh.RouteTable.Tests;

public sealed class SpiffeIdTests
{
    [Fact]
    public void For_WritesTheWorkloadIdShape()
    {
        Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", SpiffeId.For(SpiffeId.DefaultTrustDomain, "media", "sonarr"));
    }

    [Theory]
    [InlineData("lattice.local", "media", "sonarr")]
    [InlineData("cluster.example.com", "lattice-system", "lattice-gateway")]
    [InlineData("td", "a", "b")]
    public void TryParse_ReadsBackWhatForWrote(string trustDomain, string @namespace, string serviceAccount)
    {
        Assert.True(SpiffeId.TryParse(SpiffeId.For(trustDomain, @namespace, serviceAccount), out var parsedDomain, out var parsedNamespace, out var parsedAccount));

        Assert.Equal((trustDomain, @namespace, serviceAccount), (parsedDomain, parsedNamespace, parsedAccount));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("media/sonarr")]
    [InlineData("spiffe://")]
    [InlineData("https://lattice.local/ns/media/sa/sonarr")]
    [InlineData("SPIFFE://lattice.local/ns/media/sa/sonarr")]
    [InlineData("spiffe://lattice.local/ns/media/sa/sonarr/")]
    [InlineData("spiffe://lattice.local/ns/media/sa/")]
    [InlineData("spiffe://lattice.local/ns/media")]
    [InlineData("spiffe://lattice.local/media/sonarr")]
    [InlineData("spiffe://lattice.local/namespace/media/sa/sonarr")]
    [InlineData("spiffe://lattice.local/ns/media/serviceaccount/sonarr")]
    [InlineData("spiffe://lattice.local/sa/sonarr/ns/media")]
    [InlineData("spiffe://Lattice.Local/ns/media/sa/sonarr")]
    [InlineData("spiffe://lattice.local/ns/Media/sa/sonarr")]
    [InlineData("spiffe://lattice.local/ns/media/sa/sonarr_1")]
    [InlineData("spiffe:///ns/media/sa/sonarr")]
    [InlineData("spiffe://lattice.local:8443/ns/media/sa/sonarr")]
    public void TryParse_RejectsWrongShapes(string? value)
    {
        Assert.False(SpiffeId.TryParse(value, out var trustDomain, out var @namespace, out var serviceAccount));

        Assert.Equal((string.Empty, string.Empty, string.Empty), (trustDomain, @namespace, serviceAccount));
    }
}
