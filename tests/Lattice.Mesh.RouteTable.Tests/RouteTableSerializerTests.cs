using System.Text.Json;

namespace Lattice.Mesh.RouteTable.Tests;

public sealed class RouteTableSerializerTests
{
    [Fact]
    public void ReadsBack_ATableEqualToTheOneWritten()
    {
        var table = SonarrTable.Create();

        var read = RouteTableSerializer.Read(RouteTableSerializer.Serialize(table));

        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Errors));
        Assert.NotSame(table, read.Table);
        Assert.Equal(table, read.Table);
        Assert.Equal(table.Outbound, read.Table.Outbound);
        Assert.Equal(table.Outbound[SonarrTable.Nzbget].Retries!.RetryOn, read.Table.Outbound[SonarrTable.Nzbget].Retries!.RetryOn);
        Assert.Equal(table.Volumes[0].Mounts, read.Table.Volumes[0].Mounts);
    }

    [Fact]
    public void WritesTheSameText_WhenATableReadBackIsWrittenAgain()
    {
        var json = RouteTableSerializer.Serialize(SonarrTable.Create());

        var read = RouteTableSerializer.Read(json);

        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Errors));
        Assert.Equal(json, RouteTableSerializer.Serialize(read.Table));
    }

    [Fact]
    public void WritesTheSameBytes_AsText()
    {
        var table = SonarrTable.Create();

        Assert.Equal(RouteTableSerializer.Serialize(table), System.Text.Encoding.UTF8.GetString(RouteTableSerializer.SerializeToUtf8Bytes(table)));
    }

    [Fact]
    public void WritesDurations_AsGoStrings()
    {
        using var json = JsonDocument.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()));
        var outbound = json.RootElement.GetProperty("outbound");

        Assert.Equal("10s", outbound[SonarrTable.Nzbget].GetProperty("retries").GetProperty("perTryTimeout").GetString());
        Assert.Equal("30s", outbound[SonarrTable.Nzbget].GetProperty("timeout").GetProperty("request").GetString());
        Assert.Equal("60s", outbound[SonarrTable.Jellyfin].GetProperty("timeout").GetProperty("request").GetString());
    }

    [Fact]
    public void WritesEnums_AsTheirContractNames()
    {
        using var json = JsonDocument.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()));
        var root = json.RootElement;

        var retryOn = root.GetProperty("outbound")[SonarrTable.Nzbget].GetProperty("retries").GetProperty("retryOn");
        Assert.Equal(["5xx", "connect-failure"], retryOn.EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("auto", root.GetProperty("ingress").GetProperty("tls").GetProperty("mode").GetString());
    }

    [Fact]
    public void WritesMembers_InCamelCase_AndLeavesOutNulls()
    {
        using var json = JsonDocument.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()));
        var root = json.RootElement;

        Assert.Equal(RouteTable.CurrentApiVersion, root.GetProperty("apiVersion").GetString());
        Assert.Equal("sha256:", root.GetProperty("revision").GetString()![..7]);
        var jellyfin = root.GetProperty("outbound")[SonarrTable.Jellyfin];
        Assert.False(jellyfin.TryGetProperty("retries", out _));
        Assert.False(jellyfin.GetProperty("timeout").TryGetProperty("idle", out _));
        Assert.False(root.GetProperty("volumes")[0].GetProperty("mounts")[0].TryGetProperty("subPath", out _));
    }
}
