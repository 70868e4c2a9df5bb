namespace Lattice.Mesh.RouteTable.Tests;

public sealed class NamesTests
{
    [Theory]
    [InlineData("sonarr")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("lattice-gateway")]
    [InlineData("nzbget2")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123")]
    public void AcceptsDnsLabels(string value) => Assert.True(Names.IsDnsLabel(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Sonarr")]
    [InlineData("-sonarr")]
    [InlineData("sonarr-")]
    [InlineData("media_apps")]
    [InlineData("nzbget.media")]
    [InlineData("nzbget:6789")]
    [InlineData(" sonarr")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void RejectsWhatIsNotADnsLabel(string? value) => Assert.False(Names.IsDnsLabel(value));

    [Theory]
    [InlineData("nzbget.media.svc.cluster.local")]
    [InlineData("sonarr.home.local")]
    [InlineData("lattice.local")]
    public void AcceptsDnsSubdomains(string value) => Assert.True(Names.IsDnsSubdomain(value));

    [Theory]
    [InlineData("nzbget..media")]
    [InlineData(".nzbget")]
    [InlineData("nzbget.")]
    [InlineData("Nzbget.media")]
    public void RejectsWhatIsNotADnsSubdomain(string value) => Assert.False(Names.IsDnsSubdomain(value));

    [Fact]
    public void RejectsSubdomainsLongerThan253Characters()
    {
        var label = new string('a', 63);
        var name = string.Join('.', label, label, label, label);

        Assert.Equal(255, name.Length);
        Assert.False(Names.IsDnsSubdomain(name));
        Assert.True(Names.IsDnsSubdomain(name[2..]));
    }

    [Theory]
    [InlineData("nzbget")]
    [InlineData("nzbget:6789")]
    [InlineData("nzbget.media")]
    [InlineData("nzbget.media.svc:6789")]
    [InlineData("nzbget.media.svc.cluster.local:15006")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:40000")]
    [InlineData("nzbget:65535")]
    public void AcceptsHostsWithAndWithoutPort(string value) => Assert.True(Names.IsHostWithOptionalPort(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nzbget:")]
    [InlineData(":80")]
    [InlineData("a:b:c")]
    [InlineData("nzbget:80:80")]
    [InlineData("NZBGET")]
    [InlineData("nzbget:0")]
    [InlineData("nzbget:65536")]
    [InlineData("nzbget:+80")]
    [InlineData("nzbget:http")]
    [InlineData("nzbget_1")]
    [InlineData("nzbget :80")]
    public void RejectsMalformedHosts(string? value) => Assert.False(Names.IsHostWithOptionalPort(value));

    [Theory]
    [InlineData("nzbget.media.svc.cluster.local:15006", true)]
    [InlineData("127.0.0.1:40000", true)]
    [InlineData("nzbget.media.svc.cluster.local", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData(":15006", false)]
    [InlineData(null, false)]
    public void RequiresAPort_ForAPeerAddress(string? value, bool valid) => Assert.Equal(valid, Names.IsHostAndPort(value));

    [Theory]
    [InlineData(1, true)]
    [InlineData(8989, true)]
    [InlineData(65535, true)]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(65536, false)]
    [InlineData(70000, false)]
    public void AcceptsPortsFrom1To65535(int port, bool valid) => Assert.Equal(valid, Names.IsPort(port));
}
