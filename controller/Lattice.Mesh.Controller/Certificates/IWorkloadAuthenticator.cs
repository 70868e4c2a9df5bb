using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Controller.Certificates;

/// <summary>
/// Turns a sidecar's bootstrap credential into the service it speaks for. Locally that is a token
/// <c>lattice-mesh up</c> handed the sidecar (<see cref="BootstrapTokens"/>); in Kubernetes, the pod's projected
/// ServiceAccount token checked with a TokenReview. Certificate issuance is the same code behind either.
/// </summary>
public interface IWorkloadAuthenticator
{
    /// <summary>The service <paramref name="credential"/> proves, or null when it proves nothing (unknown, expired, revoked).</summary>
    ValueTask<ServiceId?> AuthenticateAsync(string credential, CancellationToken cancellationToken);
}
