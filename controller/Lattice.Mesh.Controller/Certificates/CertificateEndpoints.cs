using System.Text;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Controller.Certificates;

/// <summary>
/// The controller as the mesh CA for sidecars (see <see cref="CertificateProtocol"/>): a bearer credential names the
/// service, the signing request supplies the key, and the certificate carries that service's SPIFFE id and no
/// other. Refusals say what to send instead; the credential never appears in a log or an answer.
/// </summary>
public static partial class CertificateEndpoints
{
    public static IEndpointRouteBuilder MapCertificateIssuance(this IEndpointRouteBuilder endpoints, MeshCertificateAuthority authority, IWorkloadAuthenticator authenticator, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(authenticator);
        var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger(typeof(CertificateEndpoints)) ?? NullLogger.Instance;
        endpoints.MapPost(CertificateProtocol.IssuePath, context => IssueAsync(context, authority, authenticator, validity, logger));
        return endpoints;
    }

    private static async Task IssueAsync(HttpContext context, MeshCertificateAuthority authority, IWorkloadAuthenticator authenticator, TimeSpan? validity, ILogger logger)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization.Length == "Bearer ".Length)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteAsync(context, StatusCodes.Status401Unauthorized, $"send the sidecar's bootstrap credential as 'Authorization: Bearer <token>' (locally the token file lattice-mesh up wrote; in Kubernetes the projected ServiceAccount token for audience '{CertificateProtocol.TokenAudience}')");
            return;
        }

        ServiceId? authenticated;
        try
        {
            authenticated = await authenticator.AuthenticateAsync(authorization["Bearer ".Length..].Trim(), context.RequestAborted);
        }
        catch (AuthenticationUnavailableException e)
        {
            Log.Refused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?", e.Message);
            context.Response.Headers.RetryAfter = "5";
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, $"the credential cannot be checked now ({e.Message}); retry shortly");
            return;
        }

        if (authenticated is not { } service)
        {
            Log.Refused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?", "the bootstrap credential was not accepted");
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await WriteAsync(context, StatusCodes.Status401Unauthorized, "the bootstrap credential is unknown, expired or revoked; restart the sidecar with a current one");
            return;
        }

        if (context.Request.ContentLength > CertificateProtocol.MaxRequestBytes)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"a certificate signing request is at most {CertificateProtocol.MaxRequestBytes} bytes; send one PEM 'CERTIFICATE REQUEST'");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = CertificateProtocol.MaxRequestBytes;
        }

        string pem;
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            pem = await reader.ReadToEndAsync(context.RequestAborted);
        }
        catch (BadHttpRequestException)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"a certificate signing request is at most {CertificateProtocol.MaxRequestBytes} bytes; send one PEM 'CERTIFICATE REQUEST'");
            return;
        }

        var spiffeId = SpiffeId.For(authority.TrustDomain, service.Namespace, service.Name);
        IssuedCertificate issued;
        try
        {
            issued = authority.SignRequest(pem, spiffeId, validity);
        }
        catch (ArgumentException e)
        {
            Log.Refused(logger, spiffeId, e.Message);
            await WriteAsync(context, StatusCodes.Status400BadRequest, e.Message);
            return;
        }

        Log.Issued(logger, issued.SpiffeId, issued.NotAfter, issued.RenewAt);
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(CertificateProtocol.Serialize(issued), context.RequestAborted);
    }

    private static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"{CertificateProtocol.IssuePath}: {message}\n", context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Issued a workload certificate for {SpiffeId}, valid until {NotAfter:u}, to be renewed at {RenewAt:u}")]
        public static partial void Issued(ILogger logger, string spiffeId, DateTimeOffset notAfter, DateTimeOffset renewAt);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a certificate request from {Caller}: {Reason}")]
        public static partial void Refused(ILogger logger, string caller, string reason);
    }
}
