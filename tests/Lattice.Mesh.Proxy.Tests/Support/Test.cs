namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>Shorthands for tests.</summary>
internal static class Test
{
    /// <summary>The running test's cancellation, so a cancelled run stops promptly.</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
