namespace Lattice.Mesh.Proxy.Pipeline;

/// <summary>The body of every response the sidecar writes itself: <c>{"error":"denied","reason":"...","fix":"..."}</c>.</summary>
internal sealed record ProxyError(string Error, string Reason, string? Fix);
