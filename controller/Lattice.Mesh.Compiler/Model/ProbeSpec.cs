namespace Lattice.Mesh.Compiler.Model;

/// <summary>A probe: exactly one of <see cref="HttpGet"/>, <see cref="Exec"/> and <see cref="TcpSocket"/>, plus timings.</summary>
public sealed record ProbeSpec
{
    public HttpGetAction? HttpGet { get; init; }

    public IReadOnlyList<string>? Exec { get; init; }

    public int? TcpSocket { get; init; }

    public int? InitialDelaySeconds { get; init; }

    public int? PeriodSeconds { get; init; }

    public int? TimeoutSeconds { get; init; }

    public int? FailureThreshold { get; init; }

    public int? SuccessThreshold { get; init; }
}
