using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>A one-sided declaration: it allows nothing until the other side agrees, and says what to add.</summary>
public sealed record PendingAgreement
{
    public required ServiceId Caller { get; init; }

    public required ServiceId Callee { get; init; }

    /// <summary>The service whose declaration exists.</summary>
    public required ServiceId DeclaredBy { get; init; }

    public required MissingSide Missing { get; init; }

    /// <summary>e.g. "nzbget declares no inbound from sonarr".</summary>
    public required string Reason { get; init; }

    /// <summary>e.g. "add resources.sonarr {type: service, direction: inbound} to nzbget".</summary>
    public required string Fix { get; init; }
}
