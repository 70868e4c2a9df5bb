namespace Lattice.Mesh.Cli.Tests;

public sealed class InjectorCommandTests
{
    [Fact]
    public void WithACollectorThatIsNoHttpAddress_StopsBeforeServing_NamingTheSettingAndAnExample()
    {
        var (exitCode, output, error) = Cli.Run("injector", "--otlp-endpoint", "otel-collector:4318");

        Assert.Equal(2, exitCode);
        Assert.DoesNotContain("serving", output, StringComparison.Ordinal);
        Assert.Contains("OtlpEndpoint 'otel-collector:4318' is not an absolute http or https URL", error, StringComparison.Ordinal);
        Assert.Contains("http://otel-collector.monitoring:4318", error, StringComparison.Ordinal);
    }
}
