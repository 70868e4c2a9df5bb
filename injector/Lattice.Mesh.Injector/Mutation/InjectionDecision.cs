namespace Lattice.Mesh.Injector.Mutation;

/// <summary>Whether a pod gets the sidecar, and why, in words for the webhook's log and the pod's events.</summary>
public sealed record InjectionDecision(bool Inject, string Reason);
