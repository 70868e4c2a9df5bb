using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Lattice.Mesh.Proxy.Pipeline;

/// <summary>Which listener a connection arrived on. Set per connection by Kestrel connection middleware, never from anything the client sends.</summary>
internal enum Listener
{
    Outbound,
    Inbound,
    Admin,
}

internal static class ListenerTagging
{
    private static readonly object Key = new();

    /// <summary>Tags every connection accepted by <paramref name="listen"/> as <paramref name="listener"/>.</summary>
    public static ListenOptions Tag(this ListenOptions listen, Listener listener)
    {
        listen.Use(next => connection =>
        {
            connection.Items[Key] = listener;
            return next(connection);
        });
        return listen;
    }

    public static Listener? ListenerOf(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var value) == true ? (Listener)value! : null;
}
