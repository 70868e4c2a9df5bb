using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// Every check a sidecar makes before it enforces a table. All errors are collected, each naming the field
/// and the fix; a table with any error is refused whole (fail closed) and the last good one keeps serving.
/// </summary>
public static class RouteTableValidator
{
    private const string Regenerate = "regenerate the table with the Lattice.Mesh controller (lattice-mesh routes prints one)";

    public static ImmutableArray<RouteTableError> Validate(RouteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var errors = ImmutableArray.CreateBuilder<RouteTableError>();
        void Error(string field, string message, string fix) => errors.Add(new RouteTableError(field, message, fix));

        if (table.ApiVersion != RouteTable.CurrentApiVersion)
        {
            Error("apiVersion", $"'{table.ApiVersion}' is not understood by this sidecar, which reads {RouteTable.CurrentApiVersion}", "run a controller and sidecars of the same release");
        }

        ValidateIdentity(table.Service, Error);
        if (table.Replicas < 1)
        {
            Error("replicas", $"{table.Replicas} is below 1", Regenerate);
        }

        ValidatePorts(table.Ports, Error);
        ValidateInbound(table.Inbound, table.Replicas, table.Ports, Error);
        var hostOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        ValidateOutbound(table.Outbound, hostOwners, Error);
        ValidateDenied(table.Denied, hostOwners, Error);
        ValidateExternal(table.External, Error);
        if (table.Ingress is { } ingress)
        {
            ValidateIngress(ingress, table.Replicas, Error);
        }

        ValidateVolumes(table.Volumes, Error);
        ValidateGateway(table.Gateway, table.Replicas, Error);

        // Last, so that a table with structural errors does not also report a misleading hash mismatch.
        if (errors.Count == 0 && table.Revision != RouteTableRevision.Compute(table))
        {
            Error("revision", $"'{table.Revision}' is not the hash of the table's content, so the table was altered after it was produced", Regenerate);
        }

        return errors.ToImmutable();
    }

    private static void ValidateIdentity(WorkloadIdentity? service, Action<string, string, string> error)
    {
        if (service is null)
        {
            error("service", "is missing", Regenerate);
            return;
        }

        if (!Names.IsDnsLabel(service.Namespace))
        {
            error("service.namespace", $"'{service.Namespace}' is not a valid namespace name", Names.DnsLabelRule);
        }

        if (!Names.IsDnsLabel(service.Name))
        {
            error("service.name", $"'{service.Name}' is not a valid service name", Names.DnsLabelRule);
        }

        if (!SpiffeId.TryParse(service.SpiffeId, out _, out var ns, out var sa) || ns != service.Namespace || sa != service.Name)
        {
            error("service.spiffeId", $"'{service.SpiffeId}' is not spiffe://<trust-domain>/ns/{service.Namespace}/sa/{service.Name}", Regenerate);
        }
    }

    private static void ValidatePorts(ImmutableArray<ServicePort> ports, Action<string, string, string> error)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Length; i++)
        {
            var port = ports[i];
            var field = $"ports[{i}]";
            if (IsNull(port, field, error))
            {
                continue;
            }

            if (!names.Add(port.Name))
            {
                error($"{field}.name", $"port name '{port.Name}' appears twice", "give each port its own name");
            }

            if (!Names.IsPort(port.Port))
            {
                error($"{field}.port", $"{port.Port} is not a port", "use a port from 1 to 65535");
            }

            if (!Names.IsPort(port.TargetPort))
            {
                error($"{field}.targetPort", $"{port.TargetPort} is not a port", "use a port from 1 to 65535");
            }

            if (port.Protocol is not ("TCP" or "UDP" or "SCTP"))
            {
                error($"{field}.protocol", $"'{port.Protocol}' is not a protocol", "use TCP, UDP or SCTP");
            }
        }
    }

    private static void ValidateInbound(ImmutableArray<InboundCaller> callers, int replicas, ImmutableArray<ServicePort> ports, Action<string, string, string> error)
    {
        var identities = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < callers.Length; i++)
        {
            var caller = callers[i];
            var field = $"inbound[{i}]";
            if (IsNull(caller, field, error))
            {
                continue;
            }

            ValidateServiceKey(caller.Service, $"{field}.service", error);
            ValidateIdentityMatches(caller.Service, caller.SpiffeId, $"{field}.spiffeId", error);
            if (!SpiffeId.TryParse(caller.SpiffeId, out _, out _, out _))
            {
                error($"{field}.spiffeId", $"'{caller.SpiffeId}' is not a workload SPIFFE id", "use spiffe://<trust-domain>/ns/<namespace>/sa/<name>");
            }
            else if (!identities.Add(caller.SpiffeId))
            {
                error($"{field}.spiffeId", $"caller '{caller.SpiffeId}' appears twice", "list each caller once");
            }

            if (caller.RateLimit is { } limit)
            {
                ValidateRateLimit(limit, $"{field}.rateLimit", replicas, error);
            }

            if (caller.Port is { } port && (ports.IsDefault || !ports.Any(p => p?.Port == port)))
            {
                error($"{field}.port", $"{port} is not one of this service's ports", ports.IsDefaultOrEmpty ? "add it to ports, or drop port" : $"use one of {string.Join(", ", ports.Where(p => p is not null).Select(p => p.Port))}, or drop port");
            }
        }
    }

    private static void ValidateOutbound(ImmutableArray<OutboundDestination> destinations, Dictionary<string, string> hostOwners, Action<string, string, string> error)
    {
        for (var i = 0; i < destinations.Length; i++)
        {
            var destination = destinations[i];
            var field = $"outbound[{i}]";
            if (IsNull(destination, field, error))
            {
                continue;
            }

            ValidateServiceKey(destination.Service, $"{field}.service", error);
            ValidateIdentityMatches(destination.Service, destination.SpiffeId, $"{field}.spiffeId", error);
            if (!SpiffeId.TryParse(destination.SpiffeId, out _, out _, out _))
            {
                error($"{field}.spiffeId", $"'{destination.SpiffeId}' is not a workload SPIFFE id", "use spiffe://<trust-domain>/ns/<namespace>/sa/<name>");
            }

            ValidateHosts(destination.Hosts, destination.Service, $"{field}.hosts", hostOwners, error);
            if (destination.Ports.IsDefaultOrEmpty || destination.Ports.Any(p => !Names.IsPort(p)))
            {
                error($"{field}.ports", "must list the destination's ports, each from 1 to 65535", Regenerate);
            }

            if (!Names.IsHostAndPort(destination.Address))
            {
                error($"{field}.address", $"'{destination.Address}' is not host:port", "give the address of the destination's sidecar inbound listener, e.g. nzbget.media.svc.cluster.local:15006");
            }

            if (destination.Retries is { } retries)
            {
                if (retries.Attempts is < 1 or > 10)
                {
                    error($"{field}.retries.attempts", $"{retries.Attempts} is outside 1 to 10", "give the number of tries in all, from 1 to 10");
                }

                if (retries.PerTryTimeout is { } perTry && perTry <= TimeSpan.Zero)
                {
                    error($"{field}.retries.perTryTimeout", "must be longer than zero", "omit it, or give a duration such as 10s");
                }

                if (retries.RetryOn.IsDefaultOrEmpty)
                {
                    error($"{field}.retries.retryOn", "is empty, so nothing would be retried", $"list at least one of {RetryConditionNames.All}");
                }
                else
                {
                    if (retries.RetryOn.Distinct().Count() != retries.RetryOn.Length)
                    {
                        error($"{field}.retries.retryOn", "lists a condition twice", "list each condition once");
                    }

                    for (var j = 0; j < retries.RetryOn.Length; j++)
                    {
                        if (!Enum.IsDefined(retries.RetryOn[j]))
                        {
                            // JSON numbers read as enum values; one this build does not know is refused, never guessed at.
                            error($"{field}.retries.retryOn[{j}]", $"{(int)retries.RetryOn[j]} is not a retry condition", $"list conditions by name: {RetryConditionNames.All}");
                        }
                    }
                }
            }

            if (destination.Timeout is { } timeout)
            {
                if (timeout.Request is { } request && request <= TimeSpan.Zero)
                {
                    error($"{field}.timeout.request", "must be longer than zero", "omit it, or give a duration such as 30s");
                }

                if (timeout.Idle is { } idle && idle <= TimeSpan.Zero)
                {
                    error($"{field}.timeout.idle", "must be longer than zero", "omit it, or give a duration such as 5m");
                }
            }
        }
    }

    private static void ValidateDenied(ImmutableArray<DeniedDestination> denied, Dictionary<string, string> hostOwners, Action<string, string, string> error)
    {
        for (var i = 0; i < denied.Length; i++)
        {
            var destination = denied[i];
            var field = $"denied[{i}]";
            if (IsNull(destination, field, error))
            {
                continue;
            }

            ValidateServiceKey(destination.Service, $"{field}.service", error);
            ValidateHosts(destination.Hosts, destination.Service, $"{field}.hosts", hostOwners, error);
            if (string.IsNullOrWhiteSpace(destination.Reason))
            {
                error($"{field}.reason", "is empty", "say which declaration is missing");
            }
        }
    }

    private static void ValidateExternal(ImmutableArray<ExternalDestination> external, Action<string, string, string> error)
    {
        for (var i = 0; i < external.Length; i++)
        {
            var destination = external[i];
            if (IsNull(destination, $"external[{i}]", error))
            {
                continue;
            }

            if (destination.Endpoints.IsDefaultOrEmpty)
            {
                error($"external[{i}].endpoints", "is empty", "list at least one endpoint URL");
                continue;
            }

            for (var j = 0; j < destination.Endpoints.Length; j++)
            {
                var endpoint = destination.Endpoints[j];
                if (IsNull(endpoint, $"external[{i}].endpoints[{j}]", error))
                {
                    continue;
                }

                var url = endpoint.Url;
                if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
                {
                    error($"external[{i}].endpoints[{j}].url", $"'{url}' is not an absolute http or https URL", "write the endpoint as https://host[:port][/path]");
                }
            }
        }
    }

    private static void ValidateIngress(IngressRoute ingress, int replicas, Action<string, string, string> error)
    {
        if (ingress.Hosts.IsDefaultOrEmpty)
        {
            error("ingress.hosts", "is empty", "list the host names the gateway serves, e.g. jellyfin.home.local");
        }
        else
        {
            for (var i = 0; i < ingress.Hosts.Length; i++)
            {
                if (!Names.IsDnsSubdomain(ingress.Hosts[i]))
                {
                    error($"ingress.hosts[{i}]", $"'{ingress.Hosts[i]}' is not a host name", Names.HostNameRule);
                }
            }
        }

        if (!Names.IsPort(ingress.Port))
        {
            error("ingress.port", $"{ingress.Port} is not a port", "use a port from 1 to 65535");
        }

        ValidateTls(ingress.Tls, "ingress.tls", error);
        if (ingress.RateLimit is { } limit)
        {
            ValidateRateLimit(limit, "ingress.rateLimit", replicas, error);
        }
    }

    /// <summary>
    /// The gateway's hosts. Entries are allowed on any table: the validator cannot tell the gateway's identity
    /// from a service's (it is a controller option), so it is the compiler that puts them on the gateway's only.
    /// </summary>
    private static void ValidateGateway(ImmutableArray<GatewayHost> hosts, int replicas, Action<string, string, string> error)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < hosts.Length; i++)
        {
            var host = hosts[i];
            var field = $"gateway[{i}]";
            if (IsNull(host, field, error))
            {
                continue;
            }

            if (!Names.IsDnsSubdomain(host.Host))
            {
                error($"{field}.host", $"'{host.Host}' is not a host name", Names.HostNameRule);
            }
            else if (!owners.TryAdd(host.Host, host.Service))
            {
                error($"{field}.host", $"host '{host.Host}' is listed for {owners[host.Host]} and again for {host.Service}, so the gateway could not tell which service serves it", "list each host once, for the one service that declares it in ingress.hosts");
            }

            ValidateServiceKey(host.Service, $"{field}.service", error);
            if (!Names.IsHostAndPort(host.Address))
            {
                error($"{field}.address", $"'{host.Address}' is not host:port", "give the address of the service's sidecar inbound listener, e.g. jellyfin.media.svc.cluster.local:15006");
            }

            ValidateIdentityMatches(host.Service, host.SpiffeId, $"{field}.spiffeId", error);
            if (!SpiffeId.TryParse(host.SpiffeId, out _, out _, out _))
            {
                error($"{field}.spiffeId", $"'{host.SpiffeId}' is not a workload SPIFFE id", "use spiffe://<trust-domain>/ns/<namespace>/sa/<name>");
            }

            if (!Names.IsPort(host.Port))
            {
                error($"{field}.port", $"{host.Port} is not a port", "use a port from 1 to 65535");
            }

            if (!IsNull(host.Tls, $"{field}.tls", error))
            {
                ValidateTls(host.Tls, $"{field}.tls", error);
            }

            if (host.RateLimit is { } limit)
            {
                ValidateRateLimit(limit, $"{field}.rateLimit", replicas, error);
            }
        }
    }

    private static void ValidateTls(IngressTls tls, string field, Action<string, string, string> error)
    {
        if (!Enum.IsDefined(tls.Mode))
        {
            error($"{field}.mode", $"{(int)tls.Mode} is not a TLS mode", "use auto or manual");
        }

        if (string.IsNullOrEmpty(tls.SecretName))
        {
            error($"{field}.secretName", "is empty", "name the Secret holding tls.crt and tls.key");
        }
    }

    private static void ValidateVolumes(ImmutableArray<VolumeClaim> volumes, Action<string, string, string> error)
    {
        for (var i = 0; i < volumes.Length; i++)
        {
            var volume = volumes[i];
            if (IsNull(volume, $"volumes[{i}]", error))
            {
                continue;
            }

            if (!Names.IsDnsSubdomain(volume.ClaimName))
            {
                error($"volumes[{i}].claimName", $"'{volume.ClaimName}' is not a valid claim name", Names.HostNameRule);
            }

            for (var j = 0; j < volume.Mounts.Length; j++)
            {
                if (IsNull(volume.Mounts[j], $"volumes[{i}].mounts[{j}]", error))
                {
                    continue;
                }

                if (!volume.Mounts[j].MountPath.StartsWith('/'))
                {
                    error($"volumes[{i}].mounts[{j}].mountPath", $"'{volume.Mounts[j].MountPath}' is not an absolute path", "mount at an absolute path such as /downloads");
                }
            }
        }
    }

    private static void ValidateHosts(ImmutableArray<string> hosts, string service, string field, Dictionary<string, string> hostOwners, Action<string, string, string> error)
    {
        if (hosts.IsDefaultOrEmpty)
        {
            error(field, "is empty, so the destination could never be reached", Regenerate);
            return;
        }

        for (var j = 0; j < hosts.Length; j++)
        {
            var host = hosts[j];
            if (!Names.IsHostWithOptionalPort(host))
            {
                error($"{field}[{j}]", $"'{host}' is not a host name", Names.HostNameRule);
            }
            else if (hostOwners.TryGetValue(host, out var owner) && owner != service)
            {
                error($"{field}[{j}]", $"host '{host}' also leads to {owner}, so the destination would be ambiguous", "give each destination its own host names");
            }
            else
            {
                hostOwners[host] = service;
            }
        }
    }

    /// <summary>An identity that says one service while the key says another would authorize the wrong caller.</summary>
    private static void ValidateIdentityMatches(string service, string spiffeId, string field, Action<string, string, string> error)
    {
        if (SpiffeId.TryParse(spiffeId, out _, out var ns, out var sa) && service.Contains('/', StringComparison.Ordinal) && $"{ns}/{sa}" != service)
        {
            error(field, $"'{spiffeId}' names {ns}/{sa}, not {service}", Regenerate);
        }
    }

    private static void ValidateRateLimit(RateLimitPolicy limit, string field, int tableReplicas, Action<string, string, string> error)
    {
        if (limit.Replicas != tableReplicas)
        {
            error($"{field}.replicas", $"{limit.Replicas} is not the table's replica count ({tableReplicas}), so the service would not keep its declared limit", Regenerate);
        }

        if (limit.RequestsPerInterval < 1)
        {
            error($"{field}.requestsPerInterval", $"{limit.RequestsPerInterval} is below 1", "allow at least one request per interval, or remove the rate limit");
        }

        if (limit.IntervalSeconds < 1)
        {
            error($"{field}.intervalSeconds", $"{limit.IntervalSeconds} is below 1", "use an interval of at least one second");
        }

        if (limit.Burst < 1)
        {
            error($"{field}.burst", $"{limit.Burst} is below 1", "allow a burst of at least one request");
        }

        if (limit.Replicas < 1)
        {
            error($"{field}.replicas", $"{limit.Replicas} is below 1", Regenerate);
            return;
        }

        if (limit.PerReplicaRequestsPerInterval != RateLimitPolicy.PerReplica(limit.RequestsPerInterval, limit.Replicas))
        {
            error($"{field}.perReplicaRequestsPerInterval", $"{limit.PerReplicaRequestsPerInterval} is not ceil({limit.RequestsPerInterval} / {limit.Replicas})", Regenerate);
        }

        if (limit.PerReplicaBurst != RateLimitPolicy.PerReplica(limit.Burst, limit.Replicas))
        {
            error($"{field}.perReplicaBurst", $"{limit.PerReplicaBurst} is not ceil({limit.Burst} / {limit.Replicas})", Regenerate);
        }
    }

    /// <summary>
    /// Reports a null list item. JSON null inside an array is not refused by the serializer (it respects
    /// nullable annotations on members only), so without this a "[null]" would throw instead of being refused.
    /// </summary>
    private static bool IsNull<T>([NotNullWhen(false)] T? item, string field, Action<string, string, string> error)
        where T : class
    {
        if (item is null)
        {
            error(field, "is null", Regenerate);
            return true;
        }

        return false;
    }

    private static void ValidateServiceKey(string key, string field, Action<string, string, string> error)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !Names.IsDnsLabel(key[..slash]) || !Names.IsDnsLabel(key[(slash + 1)..]))
        {
            error(field, $"'{key}' is not namespace/name", "name the service as <namespace>/<name>, e.g. media/sonarr");
        }
    }
}
