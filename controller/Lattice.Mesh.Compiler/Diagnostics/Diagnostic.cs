using System.Text;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Diagnostics;

/// <summary>
/// One finding about the input: where (file, line), which resource and field, what is wrong, and the fix.
/// Tools match on <see cref="Id"/>, never on the message text.
/// </summary>
public sealed record Diagnostic
{
    public required string Id { get; init; }

    public required Severity Severity { get; init; }

    public required string Message { get; init; }

    /// <summary>What to change, stated as an instruction.</summary>
    public required string Fix { get; init; }

    public SourceLocation? Location { get; init; }

    /// <summary>The resource, e.g. <c>LatticeService media/sonarr</c>.</summary>
    public string? Resource { get; init; }

    /// <summary>The field path, e.g. <c>spec.resources.nzbget.outbound.timeout.request</c>.</summary>
    public string? Field { get; init; }

    public bool IsError => Severity == Severity.Error;

    /// <summary><c>file:line:col: error LM1004: LatticeService media/sonarr: spec.x: message. Fix: fix.</c></summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Location is not null)
        {
            text.Append(Location).Append(": ");
        }

        text.Append(Severity == Severity.Error ? "error " : "warning ").Append(Id).Append(": ");
        if (Resource is not null)
        {
            text.Append(Resource).Append(": ");
        }

        if (Field is not null)
        {
            text.Append(Field).Append(": ");
        }

        return text.Append(Message.TrimEnd('.')).Append(". Fix: ").Append(Fix.TrimEnd('.')).Append('.').ToString();
    }
}
