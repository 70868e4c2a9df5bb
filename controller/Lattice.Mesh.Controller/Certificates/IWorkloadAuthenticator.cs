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
    /// <exception cref="AuthenticationUnavailableException">It cannot be decided now; the caller should retry.</exception>
    ValueTask<ServiceId?> AuthenticateAsync(string credential, CancellationToken cancellationToken);
}

/// <summary>The authenticator could not decide now (its backend is unreachable); the sidecar should retry, not give up.</summary>
public sealed class AuthenticationUnavailableException : Exception
{
    public AuthenticationUnavailableException()
    {
    }

    public AuthenticationUnavailableException(string message)
        : base(message)
    {
    }

    public AuthenticationUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
