using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Controller.Certificates;

/// <summary>
/// Bootstrap credentials for sidecars the controller starts itself (the local mesh): one random 256-bit token per
/// service, handed to its sidecar in a file only the sidecar reads. Only a SHA-256 of each token is kept, so the
/// controller's memory holds nothing a sidecar could be impersonated with, and a lookup by hash takes no longer
/// for a near miss than for a far one.
/// </summary>
public sealed class BootstrapTokens : IWorkloadAuthenticator
{
    private readonly ConcurrentDictionary<string, ServiceId> _services = new(StringComparer.Ordinal);

    /// <summary>A new token for <paramref name="service"/>; earlier tokens for it keep working until <see cref="Revoke"/>.</summary>
    public string Issue(ServiceId service)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        _services[Hash(token)] = service;
        return token;
    }

    /// <summary>Every token of <paramref name="service"/> stops working.</summary>
    public void Revoke(ServiceId service)
    {
        foreach (var (hash, owner) in _services)
        {
            if (owner == service)
            {
                _services.TryRemove(hash, out _);
            }
        }
    }

    public ValueTask<ServiceId?> AuthenticateAsync(string credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return ValueTask.FromResult<ServiceId?>(credential.Length is > 0 and < 1024 && _services.TryGetValue(Hash(credential), out var service) ? service : null);
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
