namespace Lattice.Mesh.Proxy.Capture;

/// <summary>A parsed <c>lattice-proxy capture</c> command line: the rules, and whether to apply or only print them.</summary>
public sealed record CaptureRequest
{
    public required CaptureOptions Options { get; init; }

    /// <summary>Print the rules and change nothing.</summary>
    public bool DryRun { get; init; }

    public IptablesBackend Backend { get; init; } = IptablesBackend.Auto;
}
