namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>How a host command ended, and what it wrote.</summary>
internal sealed record HostCommandResult(int ExitCode, string Output, string Error, string CommandLine);
