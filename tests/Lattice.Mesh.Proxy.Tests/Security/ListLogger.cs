using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>Keeps every log line, formatted, so that tests can assert what was (and was not) logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((logLevel, eventId, formatter(state, exception) + (exception is null ? string.Empty : " " + exception)));

    public int Count(int eventId) => Lines.Count(l => l.Id.Id == eventId);
}
