using System.Text;
using System.Text.Json.Nodes;

namespace Lattice.Mesh.RouteTable.Tests;

/// <summary>Whatever arrives, <see cref="RouteTableSerializer.Read(string)"/> answers with errors, never an exception.</summary>
public sealed class RouteTableReadTests
{
    [Fact]
    public void Accepts_AValidTable()
    {
        var read = RouteTableSerializer.Read(RouteTableSerializer.SerializeToUtf8Bytes(SonarrTable.Create()));

        Assert.True(read.IsValid, string.Join(Environment.NewLine, read.Errors));
        Assert.Empty(read.Errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"apiVersion\": \"lattice.dev/routetable/v1alpha1\",")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("{} trailing")]
    [InlineData("// a comment\n{}")]
    public void RefusesMalformedJson_AtItsPath(string json)
    {
        var error = AssertRefused(RouteTableSerializer.Read(json));

        Assert.StartsWith("$", error.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesATruncatedTable()
    {
        var json = RouteTableSerializer.Serialize(SonarrTable.Create());

        var error = AssertRefused(RouteTableSerializer.Read(json[..(json.Length / 2)]));

        // A path within the table, written as the validator writes paths.
        Assert.DoesNotContain("$.", error.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesNull()
    {
        Assert.Equal("$", AssertRefused(RouteTableSerializer.Read("null")).Field);
    }

    [Fact]
    public void RefusesInvalidUtf8()
    {
        var bytes = RouteTableSerializer.SerializeToUtf8Bytes(SonarrTable.Create());
        var at = Encoding.UTF8.GetString(bytes).IndexOf("sonarr", StringComparison.Ordinal);
        bytes[at] = 0xFF;

        var error = AssertRefused(RouteTableSerializer.Read(bytes));

        Assert.DoesNotContain("$.", error.Field, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown member", "extra")]
    [InlineData("unknown nested member", "outbound[1].retries.backoff")]
    [InlineData("missing hosts", "outbound[1]")]
    [InlineData("missing apiVersion", "$")]
    [InlineData("null hosts", "outbound[1].hosts")]
    [InlineData("null service", "service")]
    [InlineData("replicas as a string", "replicas")]
    [InlineData("port as a string", "ports[0].port")]
    [InlineData("hosts as a string", "outbound[1].hosts")]
    [InlineData("duration 10x", "outbound[1].retries.perTryTimeout")]
    [InlineData("duration as a number", "outbound[1].timeout.request")]
    [InlineData("duration too long for TimeSpan", "outbound[1].retries.perTryTimeout")]
    [InlineData("unknown retry condition", "outbound[1].retries.retryOn[0]")]
    [InlineData("unknown tls mode", "ingress.tls.mode")]
    [InlineData("null port", "ports[0]")]
    [InlineData("null caller", "inbound[0]")]
    [InlineData("null destination", "outbound[0]")]
    [InlineData("null denied destination", "denied[0]")]
    [InlineData("null external destination", "external[0]")]
    [InlineData("null external endpoint", "external[0].endpoints[0]")]
    [InlineData("null volume", "volumes[0]")]
    [InlineData("null mount", "volumes[0].mounts[0]")]
    [InlineData("null host", "outbound[1].hosts[0]")]
    public void RefusesABrokenTable_NamingTheField(string breakage, string field)
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()))!.AsObject();
        var nzbget = json["outbound"]![SonarrTable.Nzbget]!.AsObject();
        switch (breakage)
        {
            case "unknown member": json["extra"] = true; break;
            case "unknown nested member": nzbget["retries"]!["backoff"] = "1s"; break;
            case "missing hosts": nzbget.Remove("hosts"); break;
            case "missing apiVersion": json.Remove("apiVersion"); break;
            case "null hosts": nzbget["hosts"] = null; break;
            case "null service": json["service"] = null; break;
            case "replicas as a string": json["replicas"] = "two"; break;
            case "port as a string": json["ports"]![0]!["port"] = "8989"; break;
            case "hosts as a string": nzbget["hosts"] = "nzbget"; break;
            case "duration 10x": nzbget["retries"]!["perTryTimeout"] = "10x"; break;
            case "duration as a number": nzbget["timeout"]!["request"] = 30; break;
            case "duration too long for TimeSpan": nzbget["retries"]!["perTryTimeout"] = "10000000000000000000000h"; break;
            case "unknown retry condition": nzbget["retries"]!["retryOn"]![0] = "5XX"; break;
            case "unknown tls mode": json["ingress"]!["tls"]!["mode"] = "Automatic"; break;
            case "null port": json["ports"]!.AsArray().Insert(0, null); break;
            case "null caller": json["inbound"]!.AsArray().Insert(0, null); break;
            case "null destination": json["outbound"]!.AsArray().Insert(0, null); break;
            case "null denied destination": json["denied"]!.AsArray().Insert(0, null); break;
            case "null external destination": json["external"]!.AsArray().Insert(0, null); break;
            case "null external endpoint": json["external"]![0]!["endpoints"]!.AsArray().Insert(0, null); break;
            case "null volume": json["volumes"]!.AsArray().Insert(0, null); break;
            case "null mount": json["volumes"]![0]!["mounts"]!.AsArray().Insert(0, null); break;
            case "null host": nzbget["hosts"]![0] = null; break;
            default: throw new ArgumentOutOfRangeException(nameof(breakage), breakage, "no such breakage");
        }

        var error = AssertRefused(RouteTableSerializer.Read(json.ToJsonString()));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void NamesTheMissingMember_InTheMessage()
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()))!;
        json["outbound"]![SonarrTable.Nzbget]!.AsObject().Remove("hosts");

        var error = AssertRefused(RouteTableSerializer.Read(json.ToJsonString()));

        Assert.Contains("'hosts'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("7")]
    [InlineData("\"7\"")]
    public void RefusesARetryConditionWrittenAsANumber(string written)
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()))!;
        json["outbound"]![SonarrTable.Nzbget]!["retries"]!["retryOn"]![0] = JsonNode.Parse(written);

        var error = AssertRefused(RouteTableSerializer.Read(json.ToJsonString()));

        Assert.StartsWith("outbound[1].retries.retryOn", error.Field, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("5")]
    [InlineData("\"5\"")]
    public void RefusesATlsModeWrittenAsANumber(string written)
    {
        var json = JsonNode.Parse(RouteTableSerializer.Serialize(SonarrTable.Create()))!;
        json["ingress"]!["tls"]!["mode"] = JsonNode.Parse(written);

        var error = AssertRefused(RouteTableSerializer.Read(json.ToJsonString()));

        Assert.Equal("ingress.tls.mode", error.Field);
    }

    [Fact]
    public void RefusesADuplicateKey()
    {
        var json = RouteTableSerializer.Serialize(SonarrTable.Create()).Replace("\"replicas\": 2,", "\"replicas\": 2, \"replicas\": 1,", StringComparison.Ordinal);

        var error = AssertRefused(RouteTableSerializer.Read(json));

        Assert.Contains("replicas", error.Field + error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_RefusesUndefinedEnumValues_BuiltInCode()
    {
        var table = SonarrTable.Unstamped().WithNzbgetRetries(r => r with { RetryOn = [(RetryCondition)7] });

        var errors = RouteTableValidator.Validate(table);

        Assert.Contains(errors, e => e.Field == "outbound[1].retries.retryOn[0]");
    }

    private static RouteTableError AssertRefused(RouteTableReadResult read)
    {
        Assert.False(read.IsValid);
        Assert.Null(read.Table);
        var error = Assert.Single(read.Errors);
        Assert.NotEmpty(error.Field);
        Assert.NotEmpty(error.Message);
        Assert.NotEmpty(error.Fix);
        return error;
    }
}
