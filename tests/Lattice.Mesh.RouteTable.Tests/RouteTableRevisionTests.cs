using System.Text.Json.Nodes;

namespace Lattice.Mesh.RouteTable.Tests;

public sealed class RouteTableRevisionTests
{
    [Fact]
    public void IsStable_ForEqualContent()
    {
        var first = SonarrTable.Create();
        var second = SonarrTable.Create();

        Assert.Equal(first.Revision, second.Revision);
        Assert.Equal(first.Revision, RouteTableRevision.Compute(first));
        Assert.Matches("^sha256:[0-9a-f]{16}$", first.Revision);
    }

    [Fact]
    public void IgnoresTheRevisionTheTableCarries()
    {
        var table = SonarrTable.Create();

        Assert.Equal(table.Revision, RouteTableRevision.Compute(table with { Revision = "sha256:0000000000000000" }));
        Assert.Equal(table, RouteTableRevision.Stamp(SonarrTable.Unstamped()));
    }

    [Theory]
    [InlineData("port")]
    [InlineData("replicas")]
    [InlineData("caller rate limit")]
    [InlineData("retry attempts")]
    [InlineData("retry condition order")]
    [InlineData("per-try timeout")]
    [InlineData("request timeout")]
    [InlineData("denied reason")]
    [InlineData("external url")]
    [InlineData("ingress host")]
    [InlineData("ingress tls")]
    [InlineData("volume mount")]
    public void Changes_WhenAnyPolicyChanges(string change)
    {
        var table = SonarrTable.Create();

        var changed = RouteTableRevision.Stamp(table.With(change));

        Assert.NotEqual(table.Revision, changed.Revision);
        Assert.Empty(RouteTableValidator.Validate(changed));
    }

    [Fact]
    public void Read_RefusesATable_WhoseContentWasChangedAfterStamping()
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()))!;
        json["outbound"]![SonarrTable.Nzbget]!["retries"]!["attempts"] = 10;

        var read = RouteTableSerializer.Read(json.ToJsonString());

        Assert.False(read.IsValid);
        Assert.Null(read.Table);
        var error = Assert.Single(read.Errors);
        Assert.Equal("revision", error.Field);
        Assert.NotEmpty(error.Fix);
    }

    [Fact]
    public void Read_RefusesATable_WhoseRevisionWasChanged()
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()))!;
        json["revision"] = "sha256:0123456789abcdef";

        var read = RouteTableSerializer.Read(json.ToJsonString());

        Assert.False(read.IsValid);
        Assert.Equal("revision", Assert.Single(read.Errors).Field);
    }

    [Fact]
    public void Validate_ReportsNoRevisionMismatch_WhenTheTableHasOtherErrors()
    {
        var broken = SonarrTable.Create() with { ApiVersion = "lattice.dev/routetable/v2" };

        var errors = RouteTableValidator.Validate(broken);

        Assert.Equal("apiVersion", Assert.Single(errors).Field);
    }
}
