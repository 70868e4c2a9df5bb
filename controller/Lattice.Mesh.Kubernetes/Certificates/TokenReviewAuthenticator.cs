using k8s;
using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.RouteTable;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Certificates;

/// <summary>
/// A sidecar in a pod proves who it is with its projected ServiceAccount token (audience
/// <see cref="CertificateProtocol.TokenAudience"/>): the API server checks it (TokenReview), and the service is the
/// token's service account, <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;</c>. A token for another
/// audience, an expired or forged one, or a user that is not a service account proves nothing.
/// </summary>
public sealed partial class TokenReviewAuthenticator(IKubernetes client, ILogger<TokenReviewAuthenticator> logger) : IWorkloadAuthenticator
{
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    public async ValueTask<ServiceId?> AuthenticateAsync(string credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credential);
        V1TokenReview review;
        try
        {
            review = await client.AuthenticationV1.CreateTokenReviewAsync(
                new V1TokenReview
                {
                    ApiVersion = "authentication.k8s.io/v1",
                    Kind = "TokenReview",
                    Spec = new V1TokenReviewSpec { Token = credential, Audiences = [CertificateProtocol.TokenAudience] },
                },
                cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
        {
            throw new AuthenticationUnavailableException($"the API server's TokenReview failed: {e.Message}", e);
        }

        var status = review.Status;
        if (status?.Authenticated != true)
        {
            Log.NotAuthenticated(logger, status?.Error ?? "not authenticated");
            return null;
        }

        if (status.Audiences is { Count: > 0 } audiences && !audiences.Contains(CertificateProtocol.TokenAudience))
        {
            Log.NotAuthenticated(logger, "the token is not for audience " + CertificateProtocol.TokenAudience);
            return null;
        }

        var username = status.User?.Username ?? string.Empty;
        var parts = username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) ? username[ServiceAccountPrefix.Length..].Split(':') : [];
        if (parts.Length != 2 || !Names.IsDnsLabel(parts[0]) || !Names.IsDnsLabel(parts[1]))
        {
            Log.NotAServiceAccount(logger, username);
            return null;
        }

        return new ServiceId(parts[0], parts[1]);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "A bootstrap token was refused: {Reason}")]
        public static partial void NotAuthenticated(ILogger logger, string reason);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "A bootstrap token was refused: {Username} is not a service account")]
        public static partial void NotAServiceAccount(ILogger logger, string username);
    }
}
