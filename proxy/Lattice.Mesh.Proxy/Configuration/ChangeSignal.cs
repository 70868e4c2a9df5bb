using Microsoft.Extensions.Primitives;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// "Something was published": a change token that fires once at the next <see cref="Notify"/>, then a fresh one.
/// Take the token first, then read the published state: a change between the two still fires it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A token source with no timer holds nothing to release; disposing it would make a late GetChangeToken or Notify (shutdown racing a reload) throw.")]
internal sealed class ChangeSignal
{
    private CancellationTokenSource _changed = new();

    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    /// <summary>Fires the current token. A listener that throws is reported to <paramref name="listenerFailed"/> and stops nothing.</summary>
    public void Notify(Action<AggregateException> listenerFailed)
    {
        var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        try
        {
            previous.Cancel();
        }
        catch (AggregateException e)
        {
            listenerFailed(e);
        }
    }
}
