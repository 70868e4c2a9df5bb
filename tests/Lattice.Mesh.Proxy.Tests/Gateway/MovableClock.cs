namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>The system clock, moved forward on demand (timers stay the system's): a certificate in force can expire.</summary>
internal sealed class MovableClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
