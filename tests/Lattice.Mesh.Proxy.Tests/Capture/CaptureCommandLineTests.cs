using Lattice.Mesh.Proxy.Capture;

namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>The capture command line: what each flag sets, and an error with its fix for each mistake.</summary>
public sealed class CaptureCommandLineTests
{
    [Fact]
    public void EveryFlag_SetsItsOption_InEitherSpelling()
    {
        var (request, errors) = CaptureCommandLine.Parse([
            "--apply", "--proxy-uid", "1337", "--inbound-ports=9000, 8989,9000", "--exclude-inbound-ports=15006,15000",
            "--exclude-outbound-ports", "5432,3306", "--outbound-port=16001", "--inbound-port=16006", "--backend=legacy"]);

        Assert.Empty(errors);
        Assert.Equal(
            new CaptureRequest
            {
                Options = new CaptureOptions
                {
                    ProxyUid = 1337,
                    InboundPorts = [8989, 9000],
                    ExcludeInboundPorts = [15000, 15006],
                    ExcludeOutboundPorts = [3306, 5432],
                    OutboundPort = 16001,
                    InboundPort = 16006,
                },
                Backend = IptablesBackend.Legacy,
            },
            request);
    }

    [Fact]
    public void Defaults_AreEveryInboundPort_IstiosListeners_AndAutoDetection()
    {
        var (request, _) = CaptureCommandLine.Parse(["--dry-run", "--proxy-uid=1337"]);

        Assert.NotNull(request);
        Assert.True(request.DryRun);
        Assert.True(request.Options.AllInboundPorts);
        Assert.Empty(request.Options.ExcludeInboundPorts);
        Assert.Empty(request.Options.ExcludeOutboundPorts);
        Assert.Equal((15001, 15006), (request.Options.OutboundPort, request.Options.InboundPort));
        Assert.Equal(IptablesBackend.Auto, request.Backend);
    }

    [Fact]
    public void DryRun_WinsOverApply_AndAnEmptyListCapturesNoInboundPort()
    {
        var (request, _) = CaptureCommandLine.Parse(["--apply", "--dry-run", "--proxy-uid=1337", "--inbound-ports="]);

        Assert.NotNull(request);
        Assert.True(request.DryRun);
        Assert.False(request.Options.AllInboundPorts);
        Assert.Empty(request.Options.InboundPorts);
    }

    [Theory]
    [InlineData("--apply", "--proxy-uid is required: the uid the proxy container runs as")]
    [InlineData("--apply --proxy-uid=0", "--proxy-uid=0 would exempt every process running as root")]
    [InlineData("--apply --proxy-uid=istio", "--proxy-uid=istio is not a user id")]
    [InlineData("--proxy-uid=1337", "say what to do: --apply changes this network namespace, --dry-run only prints the rules")]
    [InlineData("--apply --proxy-uid=1337 --inbound-ports=8989,http", "--inbound-ports: 'http' is not a port")]
    [InlineData("--apply --proxy-uid=1337 --inbound-ports=8989,*", "--inbound-ports: * stands alone")]
    [InlineData("--apply --proxy-uid=1337 --exclude-inbound-ports=*", "--exclude-inbound-ports=* would exclude everything")]
    [InlineData("--apply --proxy-uid=1337 --exclude-outbound-ports=70000", "--exclude-outbound-ports: '70000' is not a port")]
    [InlineData("--apply --proxy-uid=1337 --outbound-port=0", "--outbound-port=0 is not a port; give a number from 1 to 65535 (the default is 15001)")]
    [InlineData("--apply --proxy-uid=1337 --inbound-port=15001", "--outbound-port and --inbound-port are both 15001")]
    [InlineData("--apply --proxy-uid=1337 --backend=iptables", "--backend=iptables is not an iptables backend; use auto (the default), nft or legacy")]
    [InlineData("--apply --proxy-uid=1337 --uid=1337", "--uid is not a flag of this command (known: --proxy-uid=")]
    [InlineData("--apply --proxy-uid=1337 --proxy-uid=1338", "--proxy-uid is given twice ('1337' and '1338'); give it once")]
    [InlineData("--apply=yes --proxy-uid=1337", "--apply is a switch and takes no value")]
    [InlineData("--apply --proxy-uid=1337 apply", "'apply' is not a flag")]
    [InlineData("--apply --proxy-uid", "--proxy-uid needs a value")]
    public void BadFlag_IsRefused_WithItsFix(string commandLine, string expected)
    {
        var (request, errors) = CaptureCommandLine.Parse(commandLine.Split(' '));

        Assert.Null(request);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryError_IsReported_NotOnlyTheFirst()
    {
        var (_, errors) = CaptureCommandLine.Parse(["--proxy-uid=0", "--inbound-ports=x", "--backend=y"]);

        Assert.Equal(4, errors.Count);
    }
}
