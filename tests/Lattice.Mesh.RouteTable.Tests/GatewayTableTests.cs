using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lattice.Mesh.RouteTable.Tests;

/// <summary><see cref="RouteTable.Gateway"/>: equality, JSON, revision and validation of the gateway's hosts.</summary>
public sealed class GatewayTableTests
{
    [Fact]
    public void TablesBuiltSeparately_WithTheSameHosts_AreEqual()
    {
        var first = GatewayTable.Create();
        var second = GatewayTable.Create();

        Assert.NotSame(first.Gateway[0], second.Gateway[0]);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Theory]
    [InlineData("gateway host")]
    [InlineData("gateway service")]
    [InlineData("gateway address")]
    [InlineData("gateway port")]
    [InlineData("gateway tls secret")]
    [InlineData("gateway rate limit")]
    [InlineData("gateway host removed")]
    public void AnyChangeToAHost_MakesTheTableUnequal_AndChangesTheRevision(string change)
    {
        var table = GatewayTable.Create();

        var changed = RouteTableRevision.Stamp(table.WithGatewayChange(change));

        Assert.NotEqual(table with { Revision = changed.Revision }, changed);
        Assert.NotEqual(table.Revision, changed.Revision);
        Assert.Empty(RouteTableValidator.Validate(changed));
    }

    [Fact]
    public void Gateway_IsEmpty_NeverDefault_WhenNotGivenOrGivenDefault()
    {
        var sidecar = SonarrTable.Create();
        var assignedDefault = sidecar with { Gateway = default };

        Assert.False(sidecar.Gateway.IsDefault);
        Assert.Empty(sidecar.Gateway);
        Assert.False(assignedDefault.Gateway.IsDefault);
        Assert.Equal(sidecar, assignedDefault);
    }

    [Fact]
    public void ASidecarsTable_IsWrittenWithoutTheMember_SoItsJsonAndRevisionAreUnchanged()
    {
        var table = SonarrTable.Create();

        using var json = JsonDocument.Parse(RouteTableSerializer.Serialize(table));

        Assert.False(json.RootElement.TryGetProperty("gateway", out _));
        Assert.DoesNotContain("\"gateway\":", System.Text.Encoding.UTF8.GetString(RouteTableSerializer.SerializeLine(table)), StringComparison.Ordinal);
        Assert.Equal(table.Revision, RouteTableRevision.Compute(table with { Gateway = [] }));
    }

    [Fact]
    public void ASidecarsTable_WithoutTheMember_ReadsBackWithAnEmptyList()
    {
        var read = RouteTableSerializer.Read(RouteTableSerializer.Serialize(SonarrTable.Create()));

        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Errors));
        Assert.False(read.Table.Gateway.IsDefault);
        Assert.Empty(read.Table.Gateway);
    }

    [Fact]
    public void AnEmptyList_ReadsAsTheTableWithoutIt()
    {
        var table = SonarrTable.Create();
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(table))!.AsObject();
        json["gateway"] = new JsonArray();

        var read = RouteTableSerializer.Read(json.ToJsonString());

        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Errors));
        Assert.Equal(table, read.Table);
    }

    [Fact]
    public void TheGatewaysTable_ReadsBackEqual_AndIsWrittenAgainAsTheSameText()
    {
        var table = GatewayTable.Create();
        var json = RouteTableSerializer.Serialize(table);

        var read = RouteTableSerializer.Read(json);

        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Errors));
        Assert.NotSame(table, read.Table);
        Assert.Equal(table, read.Table);
        Assert.Equal(table.Gateway, read.Table.Gateway);
        Assert.Equal(json, RouteTableSerializer.Serialize(read.Table));
        Assert.Equal(table, RouteTableSerializer.Read(RouteTableSerializer.SerializeLine(table)).Table);
    }

    [Fact]
    public void TheGatewaysTable_IsWrittenInCamelCase_WithTlsModesByName_AndNoNulls()
    {
        using var json = JsonDocument.Parse(RouteTableSerializer.Serialize(GatewayTable.Create()));
        var gateway = json.RootElement.GetProperty("gateway");

        Assert.Equal(2, gateway.GetArrayLength());
        var sonarr = gateway[GatewayTable.Sonarr];
        Assert.Equal(
            ["host", "service", "address", "spiffeId", "port", "tls"],
            sonarr.EnumerateObject().Select(p => p.Name));
        Assert.Equal("sonarr.home.local", sonarr.GetProperty("host").GetString());
        Assert.Equal(8989, sonarr.GetProperty("port").GetInt32());
        Assert.Equal("auto", sonarr.GetProperty("tls").GetProperty("mode").GetString());
        Assert.Equal("manual", gateway[GatewayTable.Jellyfin].GetProperty("tls").GetProperty("mode").GetString());
        Assert.Equal(50, gateway[GatewayTable.Jellyfin].GetProperty("rateLimit").GetProperty("perReplicaRequestsPerInterval").GetInt32());
    }

    [Theory]
    [InlineData("null list", "gateway")]
    [InlineData("list as an object", "gateway")]
    [InlineData("null host entry", "gateway[0]")]
    [InlineData("unknown member", "gateway[1].weight")]
    [InlineData("missing address", "gateway[1]")]
    [InlineData("missing tls", "gateway[1]")]
    [InlineData("null tls", "gateway[1].tls")]
    [InlineData("unknown tls mode", "gateway[1].tls.mode")]
    [InlineData("port as a string", "gateway[1].port")]
    public void Read_RefusesABrokenHost_NamingTheField(string breakage, string field)
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(GatewayTable.Create()))!.AsObject();
        var sonarr = json["gateway"]![GatewayTable.Sonarr]!.AsObject();
        switch (breakage)
        {
            case "null list": json["gateway"] = null; break;
            case "list as an object": json["gateway"] = new JsonObject(); break;
            case "null host entry": json["gateway"]!.AsArray().Insert(0, null); break;
            case "unknown member": sonarr["weight"] = 1; break;
            case "missing address": sonarr.Remove("address"); break;
            case "missing tls": sonarr.Remove("tls"); break;
            case "null tls": sonarr["tls"] = null; break;
            case "unknown tls mode": sonarr["tls"]!["mode"] = "Automatic"; break;
            case "port as a string": sonarr["port"] = "8989"; break;
            default: throw new ArgumentOutOfRangeException(nameof(breakage), breakage, "no such breakage");
        }

        var read = RouteTableSerializer.Read(json.ToJsonString());

        Assert.False(read.IsValid);
        Assert.Null(read.Table);
        var error = Assert.Single(read.Errors);
        Assert.Equal(field, error.Field);
        Assert.NotEmpty(error.Message);
        Assert.NotEmpty(error.Fix);
    }

    [Fact]
    public void Read_RefusesAHostWhoseEntryWasChangedAfterStamping()
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(GatewayTable.Create()))!;
        json["gateway"]![GatewayTable.Sonarr]!["address"] = "attacker.example:15006";

        var read = RouteTableSerializer.Read(json.ToJsonString());

        Assert.Equal("revision", Assert.Single(read.Errors).Field);
    }

    [Fact]
    public void Validator_AcceptsTheGatewaysTable()
    {
        Assert.Empty(RouteTableValidator.Validate(GatewayTable.Create()));
    }

    [Fact]
    public void Validator_AcceptsHostsOnAnyTable_ForItCannotTellTheGatewaysIdentity()
    {
        // The gateway's identity is a controller option; the compiler is what keeps hosts off the sidecars' tables.
        var table = SonarrTable.Unstamped() with { Gateway = GatewayTable.Create().Gateway };

        Assert.Empty(RouteTableValidator.Validate(RouteTableRevision.Stamp(table)));
    }

    [Theory]
    [InlineData("host in upper case", "gateway[1].host")]
    [InlineData("host with a port", "gateway[1].host")]
    [InlineData("empty host", "gateway[1].host")]
    [InlineData("host listed twice", "gateway[1].host")]
    [InlineData("service without namespace", "gateway[1].service")]
    [InlineData("address without port", "gateway[1].address")]
    [InlineData("address that is a URL", "gateway[1].address")]
    [InlineData("spiffe id that is not one", "gateway[1].spiffeId")]
    [InlineData("spiffe id of another service", "gateway[1].spiffeId")]
    [InlineData("port 0", "gateway[1].port")]
    [InlineData("port 70000", "gateway[1].port")]
    [InlineData("tls with no secret", "gateway[1].tls.secretName")]
    [InlineData("tls mode undefined", "gateway[1].tls.mode")]
    [InlineData("null tls", "gateway[1].tls")]
    [InlineData("null entry", "gateway[1]")]
    [InlineData("rate limit not divided", "gateway[0].rateLimit.perReplicaRequestsPerInterval")]
    [InlineData("rate limit divided by another replica count", "gateway[0].rateLimit.replicas")]
    public void Validator_ReportsTheField_ThatBreaksARule(string rule, string field)
    {
        var table = GatewayTable.Create();
        var jellyfin = table.Gateway[GatewayTable.Jellyfin];
        var broken = rule switch
        {
            "host in upper case" => table.WithHost(GatewayTable.Sonarr, h => h with { Host = "Sonarr.home.local" }),
            "host with a port" => table.WithHost(GatewayTable.Sonarr, h => h with { Host = "sonarr.home.local:443" }),
            "empty host" => table.WithHost(GatewayTable.Sonarr, h => h with { Host = string.Empty }),
            "host listed twice" => table.WithHost(GatewayTable.Sonarr, h => h with { Host = jellyfin.Host }),
            "service without namespace" => table.WithHost(GatewayTable.Sonarr, h => h with { Service = "sonarr" }),
            "address without port" => table.WithHost(GatewayTable.Sonarr, h => h with { Address = "sonarr.media.svc.cluster.local" }),
            "address that is a URL" => table.WithHost(GatewayTable.Sonarr, h => h with { Address = "https://sonarr.media.svc.cluster.local:15006" }),
            "spiffe id that is not one" => table.WithHost(GatewayTable.Sonarr, h => h with { SpiffeId = "media/sonarr" }),
            "spiffe id of another service" => table.WithHost(GatewayTable.Sonarr, h => h with { SpiffeId = "spiffe://lattice.local/ns/media/sa/jellyfin" }),
            "port 0" => table.WithHost(GatewayTable.Sonarr, h => h with { Port = 0 }),
            "port 70000" => table.WithHost(GatewayTable.Sonarr, h => h with { Port = 70000 }),
            "tls with no secret" => table.WithHost(GatewayTable.Sonarr, h => h with { Tls = h.Tls with { SecretName = string.Empty } }),
            "tls mode undefined" => table.WithHost(GatewayTable.Sonarr, h => h with { Tls = h.Tls with { Mode = (IngressTlsMode)5 } }),
            "null tls" => table.WithHost(GatewayTable.Sonarr, h => h with { Tls = null! }),
            "null entry" => table with { Gateway = table.Gateway.SetItem(GatewayTable.Sonarr, null!) },
            "rate limit not divided" => table.WithHost(GatewayTable.Jellyfin, h => h with { RateLimit = h.RateLimit! with { PerReplicaRequestsPerInterval = 100 } }),
            "rate limit divided by another replica count" => table.WithHost(GatewayTable.Jellyfin, h => h with { RateLimit = RateLimitPolicy.Divide(100, 60, null, GatewayTable.Replicas + 1) }),
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "no such rule"),
        };

        var errors = RouteTableValidator.Validate(broken);

        Assert.Contains(field, errors.Select(e => e.Field));
        Assert.DoesNotContain("revision", errors.Select(e => e.Field));
        Assert.All(errors, e =>
        {
            Assert.NotEmpty(e.Message);
            Assert.NotEmpty(e.Fix);
        });
    }

    [Fact]
    public void Validator_NamesBothServices_WhenAHostIsListedTwice()
    {
        var table = GatewayTable.Create().WithHost(GatewayTable.Sonarr, h => h with { Host = "jellyfin.home.local" });

        var error = Assert.Single(RouteTableValidator.Validate(table));

        Assert.Equal("gateway[1].host", error.Field);
        Assert.Contains("jellyfin.home.local", error.Message, StringComparison.Ordinal);
        Assert.Contains("media/jellyfin and again for media/sonarr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_ReportsEveryBrokenHost_AtOnce()
    {
        var table = GatewayTable.Create();
        table = table with
        {
            Gateway = ImmutableArray.Create(
                table.Gateway[GatewayTable.Jellyfin] with { Port = 0 },
                table.Gateway[GatewayTable.Sonarr] with { Address = "sonarr", Tls = table.Gateway[GatewayTable.Sonarr].Tls with { SecretName = string.Empty } }),
        };

        var errors = RouteTableValidator.Validate(table);

        Assert.Equal(["gateway[0].port", "gateway[1].address", "gateway[1].tls.secretName"], errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }
}
