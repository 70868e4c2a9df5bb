namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>The system clock moved by a fixed offset: certificates issued "in the past" or "in the future".</summary>
internal sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
