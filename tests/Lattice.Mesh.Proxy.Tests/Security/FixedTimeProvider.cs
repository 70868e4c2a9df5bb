namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>A clock that always says the same time (timers are the system's): exact validity dates.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
