using System.Collections.Frozen;
using System.Collections.Immutable;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>
/// Compiles LatticeServices into the agreement graph and one route table per service. Pure: objects in,
/// graph and tables out, no I/O. Linear in services plus declarations: every rule is a dictionary lookup.
/// </summary>
public static class MeshCompiler
{
    public static MeshCompilation Compile(IReadOnlyList<LatticeService> services, CompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        options ??= CompilerOptions.Default;
        var diagnostics = new List<Diagnostic>();
        var failed = new HashSet<ServiceId>();

        var byId = IndexServices(services, diagnostics, failed);
        var (outbound, inbound) = IndexDeclarations(byId);
        var agreements = FindAgreements(outbound, inbound);
        var pending = FindPending(byId, outbound, inbound);
        var graph = new AgreementGraph(byId, outbound, inbound, agreements, pending);

        var claims = ResolveVolumes(byId, diagnostics, failed);
        var ingressPorts = ResolveIngress(byId, diagnostics, failed);
        var tables = BuildRouteTables(byId, graph, claims, ingressPorts, options, failed);
        var gatewayTable = services.Any(s => s.Spec.Ingress is not null) ? BuildGatewayTable(tables, options) : null;

        var ordered = diagnostics
            .OrderBy(d => d.Location?.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location?.Line)
            .ThenBy(d => d.Location?.Column)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        return new MeshCompilation { Graph = graph, RouteTables = tables, GatewayTable = gatewayTable, Failed = failed, Diagnostics = ordered };
    }

    private static FrozenDictionary<ServiceId, LatticeService> IndexServices(IReadOnlyList<LatticeService> services, List<Diagnostic> diagnostics, HashSet<ServiceId> failed)
    {
        var byId = new Dictionary<ServiceId, LatticeService>();
        foreach (var group in services.GroupBy(s => s.Id))
        {
            var copies = group.ToList();
            if (copies.Count == 1)
            {
                byId[group.Key] = copies[0];
                continue;
            }

            // Neither copy is right by default; both are left out until one is removed.
            failed.Add(group.Key);
            foreach (var copy in copies)
            {
                var others = string.Join(", ", copies.Where(c => !ReferenceEquals(c, copy)).Select(c => c.Source.ToString()));
                diagnostics.Add(new Diagnostic
                {
                    Id = DiagnosticIds.DuplicateService,
                    Severity = Severity.Error,
                    Message = $"LatticeService {group.Key} is defined {copies.Count} times (also at {others})",
                    Fix = "keep one definition and delete or rename the others; until then none of them is used",
                    Location = copy.Source,
                    Resource = $"{LatticeService.Kind} {group.Key}",
                    Field = "metadata.name",
                });
            }
        }

        return byId.ToFrozenDictionary();
    }

    private static (Dictionary<(ServiceId, ServiceId), ServiceDependency> Outbound, Dictionary<(ServiceId, ServiceId), ServiceDependency> Inbound) IndexDeclarations(
        FrozenDictionary<ServiceId, LatticeService> byId)
    {
        var outbound = new Dictionary<(ServiceId, ServiceId), ServiceDependency>();
        var inbound = new Dictionary<(ServiceId, ServiceId), ServiceDependency>();
        foreach (var (id, service) in byId)
        {
            foreach (var resource in service.Spec.Resources.Values)
            {
                if (resource is not ServiceDependency dependency)
                {
                    continue;
                }

                var other = new ServiceId(dependency.Namespace ?? id.Namespace, dependency.Name);
                if (dependency.AllowsOutbound)
                {
                    outbound[(id, other)] = dependency;
                }

                if (dependency.AllowsInbound)
                {
                    inbound[(other, id)] = dependency;
                }
            }
        }

        return (outbound, inbound);
    }

    private static List<Agreement> FindAgreements(
        Dictionary<(ServiceId, ServiceId), ServiceDependency> outbound,
        Dictionary<(ServiceId, ServiceId), ServiceDependency> inbound)
    {
        var agreements = new List<Agreement>();
        foreach (var ((caller, callee), callerSide) in outbound)
        {
            if (inbound.TryGetValue((caller, callee), out var calleeSide))
            {
                agreements.Add(new Agreement
                {
                    Caller = caller,
                    Callee = callee,
                    Retries = callerSide.Retries,
                    Timeout = callerSide.Timeout,
                    RateLimit = calleeSide.RateLimit,
                });
            }
        }

        agreements.Sort(static (a, b) => a.Caller.CompareTo(b.Caller) is var byCaller and not 0 ? byCaller : a.Callee.CompareTo(b.Callee));
        return agreements;
    }

    private static List<PendingAgreement> FindPending(
        FrozenDictionary<ServiceId, LatticeService> byId,
        Dictionary<(ServiceId, ServiceId), ServiceDependency> outbound,
        Dictionary<(ServiceId, ServiceId), ServiceDependency> inbound)
    {
        var pending = new List<PendingAgreement>();
        foreach (var (caller, callee) in outbound.Keys)
        {
            if (inbound.ContainsKey((caller, callee)))
            {
                continue;
            }

            var exists = byId.TryGetValue(callee, out var calleeService);
            pending.Add(new PendingAgreement
            {
                Caller = caller,
                Callee = callee,
                DeclaredBy = caller,
                Missing = exists ? MissingSide.CalleeInbound : MissingSide.ServiceMissing,
                Reason = exists ? Phrases.NoInbound(caller, callee) : Phrases.Missing(callee),
                Fix = exists ? Phrases.AddInboundFix(caller, callee, calleeService) : Phrases.CreateServiceFix(callee, caller, Direction.Inbound),
            });
        }

        foreach (var (caller, callee) in inbound.Keys)
        {
            if (outbound.ContainsKey((caller, callee)))
            {
                continue;
            }

            var exists = byId.TryGetValue(caller, out var callerService);
            pending.Add(new PendingAgreement
            {
                Caller = caller,
                Callee = callee,
                DeclaredBy = callee,
                Missing = exists ? MissingSide.CallerOutbound : MissingSide.ServiceMissing,
                Reason = exists ? Phrases.NoOutbound(caller, callee) : Phrases.Missing(caller),
                Fix = exists ? Phrases.AddOutboundFix(caller, callee, callerService) : Phrases.CreateServiceFix(caller, callee, Direction.Outbound),
            });
        }

        pending.Sort(static (a, b) => a.Caller.CompareTo(b.Caller) is var byCaller and not 0 ? byCaller : a.Callee.CompareTo(b.Callee));
        return pending;
    }

    /// <summary>Resolves every volume resource to its claim; reports bad references and risky sharing.</summary>
    private static Dictionary<ServiceId, ImmutableArray<VolumeClaim>> ResolveVolumes(
        FrozenDictionary<ServiceId, LatticeService> byId, List<Diagnostic> diagnostics, HashSet<ServiceId> failed)
    {
        var result = new Dictionary<ServiceId, ImmutableArray<VolumeClaim>>();
        foreach (var (id, service) in byId)
        {
            var claims = new List<VolumeClaim>();
            foreach (var resource in service.Spec.Resources.Values.OrderBy(r => r.Name, StringComparer.Ordinal))
            {
                var field = $"spec.resources.{resource.Name}.params.ref";
                void Error(string diagnosticId, string message, string fix)
                {
                    failed.Add(id);
                    diagnostics.Add(ServiceDiagnostic(service, Severity.Error, diagnosticId, field, message, fix));
                }

                OwnedVolume? owned;
                ServiceId owner;
                switch (resource)
                {
                    case OwnedVolume own:
                        (owned, owner) = (own, id);
                        break;
                    case VolumeReference reference:
                        owner = new ServiceId(id.Namespace, reference.OwnerService);
                        if (owner == id)
                        {
                            Error(DiagnosticIds.VolumeRefToSelf, $"'{reference.OwnerService}.{reference.OwnerVolume}' refers to this service itself", $"mount this service's own volume with source: \"${{resources.{reference.OwnerVolume}}}\", and remove resources.{resource.Name}");
                            continue;
                        }

                        if (!byId.TryGetValue(owner, out var ownerService))
                        {
                            var inNamespace = byId.Keys.Where(k => k.Namespace == id.Namespace).Select(k => k.Name);
                            var suggestion = Manifests.Suggestions.Closest(reference.OwnerService, inNamespace);
                            Error(DiagnosticIds.VolumeOwnerMissing, $"there is no LatticeService {owner} to own volume '{reference.OwnerVolume}' (a shared volume's owner must be in the same namespace)", suggestion is null ? $"create LatticeService {owner} owning resources.{reference.OwnerVolume} {{type: volume}}, or correct the ref" : $"did you mean ref: {suggestion}.{reference.OwnerVolume}?");
                            continue;
                        }

                        if (!ownerService.Spec.Resources.TryGetValue(reference.OwnerVolume, out var target) || target is not (OwnedVolume or VolumeReference))
                        {
                            var volumes = ownerService.Spec.Resources.Values.Where(r => r is OwnedVolume).Select(r => r.Name).ToList();
                            Error(DiagnosticIds.VolumeMissing, $"{reference.OwnerService} has no volume '{reference.OwnerVolume}'", volumes.Count > 0 ? $"refer to one of {reference.OwnerService}'s volumes: {string.Join(", ", volumes.Select(v => $"{reference.OwnerService}.{v}"))}" : $"add resources.{reference.OwnerVolume} {{type: volume, params: {{size: ...}}}} to {reference.OwnerService}");
                            continue;
                        }

                        if (target is VolumeReference chained)
                        {
                            Error(DiagnosticIds.VolumeRefToRef, $"{reference.OwnerService}.{reference.OwnerVolume} is itself a reference (to {chained.OwnerService}.{chained.OwnerVolume}), not a volume", $"refer to the owner directly: ref: {chained.OwnerService}.{chained.OwnerVolume}");
                            continue;
                        }

                        owned = (OwnedVolume)target;
                        if (owned.AccessMode != "ReadWriteMany")
                        {
                            diagnostics.Add(ServiceDiagnostic(service, Severity.Warning, DiagnosticIds.SharedVolumeNotReadWriteMany, field,
                                $"{reference.OwnerService}.{reference.OwnerVolume} is {owned.AccessMode} but is shared with {id.Name}: unless both run on one node, one of them cannot mount it, and hardlinks between their files need one filesystem both can reach",
                                $"set accessMode: ReadWriteMany on {reference.OwnerService}'s resources.{reference.OwnerVolume} (with a storage class that supports it, e.g. NFS)"));
                        }

                        break;
                    default:
                        continue;
                }

                claims.Add(new VolumeClaim
                {
                    Resource = resource.Name,
                    ClaimName = $"{owner.Name}-{owned.Name}",
                    Owner = owner.ToString(),
                    Size = owned.Size,
                    StorageClass = owned.StorageClass,
                    AccessMode = owned.AccessMode,
                    Mounts = [.. MountsOf(service, resource.Name)],
                });
            }

            result[id] = [.. claims];
        }

        return result;
    }

    private static IEnumerable<RouteTable.VolumeMount> MountsOf(LatticeService service, string resource) =>
        from container in service.Spec.Containers.OrderBy(c => c.Key, StringComparer.Ordinal)
        from mount in container.Value.Volumes.OrderBy(v => v.Key, StringComparer.Ordinal)
        where mount.Value.Resource == resource
        select new RouteTable.VolumeMount { Container = container.Key, MountPath = mount.Key, SubPath = mount.Value.SubPath, ReadOnly = mount.Value.ReadOnly };

    /// <summary>Finds each ingress's target port; reports hosts claimed twice and ambiguous ports.</summary>
    private static Dictionary<ServiceId, int> ResolveIngress(FrozenDictionary<ServiceId, LatticeService> byId, List<Diagnostic> diagnostics, HashSet<ServiceId> failed)
    {
        var ports = new Dictionary<ServiceId, int>();
        var hostOwners = new Dictionary<string, List<ServiceId>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, service) in byId)
        {
            if (service.Spec.Ingress is not { } ingress)
            {
                continue;
            }

            foreach (var host in ingress.Hosts.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                (hostOwners.TryGetValue(host, out var owners) ? owners : hostOwners[host] = []).Add(id);
            }

            var servicePorts = service.Spec.Ports;
            PortSpec? port = null;
            if (ingress.Port is { } named)
            {
                if (!servicePorts.TryGetValue(named, out port))
                {
                    failed.Add(id);
                    diagnostics.Add(ServiceDiagnostic(service, Severity.Error, DiagnosticIds.IngressPortAmbiguous, "spec.ingress.port", $"there is no service port named '{named}'", servicePorts.Count > 0 ? $"use one of {string.Join(", ", servicePorts.Keys.Order(StringComparer.Ordinal))}" : "add service.ports"));
                    continue;
                }
            }
            else if (servicePorts.Count == 1)
            {
                port = servicePorts.Values.First();
            }
            else if (!servicePorts.TryGetValue("http", out port))
            {
                failed.Add(id);
                diagnostics.Add(ServiceDiagnostic(service, Severity.Error, DiagnosticIds.IngressPortAmbiguous, "spec.ingress",
                    servicePorts.Count == 0 ? "ingress needs a port to deliver to, and the service has none" : $"the service has {servicePorts.Count} ports and none is named http, so the gateway cannot tell which to use",
                    servicePorts.Count == 0 ? "add service.ports, e.g. http: {port: 8080}" : $"add ingress.port: one of {string.Join(", ", servicePorts.Keys.Order(StringComparer.Ordinal))}"));
                continue;
            }

            ports[id] = port.Port;
        }

        foreach (var (host, owners) in hostOwners)
        {
            if (owners.Count < 2)
            {
                continue;
            }

            foreach (var owner in owners)
            {
                failed.Add(owner);
                diagnostics.Add(ServiceDiagnostic(byId[owner], Severity.Error, DiagnosticIds.DuplicateIngressHost, "spec.ingress.hosts",
                    $"host '{host}' is claimed by {string.Join(" and ", owners.Order())}",
                    "serve each host from one service: remove it from the others' ingress.hosts (until then the gateway serves it for none of them)"));
            }
        }

        return ports;
    }

    private static FrozenDictionary<ServiceId, RouteTable.RouteTable> BuildRouteTables(
        FrozenDictionary<ServiceId, LatticeService> byId,
        AgreementGraph graph,
        Dictionary<ServiceId, ImmutableArray<VolumeClaim>> claims,
        Dictionary<ServiceId, int> ingressPorts,
        CompilerOptions options,
        HashSet<ServiceId> failed)
    {
        var inboundByCallee = graph.Agreements.ToLookup(a => a.Callee);
        var outboundByCaller = graph.Agreements.ToLookup(a => a.Caller);
        var deniedByCaller = graph.Pending.Where(p => p.DeclaredBy == p.Caller).ToLookup(p => p.Caller);
        var ports = byId.ToDictionary(p => p.Key, p => ImmutableArray.CreateRange(p.Value.Spec.Ports.Values.Select(v => v.Port).Distinct().Order()));
        var hosts = new HostNames(options, ports);

        var tables = new Dictionary<ServiceId, RouteTable.RouteTable>();
        foreach (var (id, service) in byId)
        {
            if (failed.Contains(id))
            {
                continue;
            }

            var replicas = Math.Max(1, options.ObservedReplicas?.GetValueOrDefault(id) is > 0 and var observed ? observed : service.Spec.Replicas.Min);
            var inbound = inboundByCallee[id]
                .Select(a => new InboundCaller
                {
                    Service = a.Caller.ToString(),
                    SpiffeId = options.SpiffeIdOf(a.Caller),
                    RateLimit = Divide(a.RateLimit, replicas),
                })
                .ToList();

            IngressRoute? ingress = null;
            if (service.Spec.Ingress is { } spec)
            {
                ingress = new IngressRoute
                {
                    Hosts = [.. spec.Hosts.Select(h => h.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal)],
                    Port = ingressPorts[id],
                    Tls = new IngressTls { Mode = spec.TlsMode, SecretName = spec.SecretName ?? $"{id.Name}-tls", IssuerName = spec.IssuerName, IssuerKind = spec.IssuerKind },
                    RateLimit = Divide(spec.RateLimit, replicas),
                };
                inbound.Add(new InboundCaller
                {
                    Service = options.Gateway.ToString(),
                    SpiffeId = options.SpiffeIdOf(options.Gateway),
                    RateLimit = ingress.RateLimit,
                    Port = ingress.Port,
                });
            }

            var outbound = new List<OutboundDestination>();
            var denied = new List<DeniedDestination>();
            foreach (var agreement in outboundByCaller[id])
            {
                var calleePorts = ports[agreement.Callee];
                if (calleePorts.IsEmpty)
                {
                    denied.Add(new DeniedDestination
                    {
                        Service = agreement.Callee.ToString(),
                        Hosts = hosts.For(agreement.Callee, id.Namespace),
                        Reason = $"{Phrases.Label(agreement.Callee, id)} has no service ports",
                        Fix = $"add service.ports to {agreement.Callee}",
                    });
                    continue;
                }

                outbound.Add(new OutboundDestination
                {
                    Service = agreement.Callee.ToString(),
                    SpiffeId = options.SpiffeIdOf(agreement.Callee),
                    Hosts = hosts.For(agreement.Callee, id.Namespace),
                    Ports = calleePorts,
                    Address = options.Address(agreement.Callee),
                    Retries = agreement.Retries,
                    Timeout = agreement.Timeout,
                });
            }

            foreach (var pending in deniedByCaller[id])
            {
                denied.Add(new DeniedDestination
                {
                    Service = pending.Callee.ToString(),
                    Hosts = hosts.For(pending.Callee, id.Namespace),
                    Reason = pending.Reason,
                    Fix = pending.Fix,
                });
            }

            var table = new RouteTable.RouteTable
            {
                ApiVersion = RouteTable.RouteTable.CurrentApiVersion,
                Revision = string.Empty,
                Service = new WorkloadIdentity { Namespace = id.Namespace, Name = id.Name, SpiffeId = options.SpiffeIdOf(id) },
                Replicas = replicas,
                Ports = [.. service.Spec.Ports.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new ServicePort { Name = p.Key, Port = p.Value.Port, TargetPort = p.Value.TargetPort, Protocol = p.Value.Protocol })],
                Inbound = [.. inbound.OrderBy(c => c.Service, StringComparer.Ordinal)],
                Outbound = [.. outbound.OrderBy(d => d.Service, StringComparer.Ordinal)],
                Denied = [.. denied.OrderBy(d => d.Service, StringComparer.Ordinal)],
                External = [.. service.Spec.Resources.Values.OfType<ExternalService>().OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => new ExternalDestination
                {
                    Name = e.Name,
                    Endpoints = [.. e.Endpoints.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new ExternalEndpoint { Name = p.Key, Url = p.Value })],
                })],
                Ingress = ingress,
                Volumes = claims[id],
            };
            tables[id] = RouteTableRevision.Stamp(table);
        }

        return tables.ToFrozenDictionary();
    }

    /// <summary>
    /// The gateway's table, built from the services' compiled tables so that both say the same hosts, port and
    /// TLS: a service that failed has no table and so no hosts here. A host claimed by two services failed both
    /// (LM2020), so it is served for neither rather than for whichever sorts first: a name routed to the wrong
    /// app would hand one service's users (and their credentials) to another. The gateway is no mesh caller of
    /// its own: no inbound callers, no ports, and no outbound destinations, since each host carries the address
    /// and identity of its service and the services admit the gateway in their inbound lists. Anything the
    /// hosts do not name has no route at all (fail closed).
    /// </summary>
    private static RouteTable.RouteTable BuildGatewayTable(FrozenDictionary<ServiceId, RouteTable.RouteTable> tables, CompilerOptions options)
    {
        var gateway = options.Gateway;
        var replicas = options.ObservedReplicas?.GetValueOrDefault(gateway) is > 0 and var observed ? observed : 1;
        var hosts = new List<GatewayHost>();
        foreach (var (id, table) in tables)
        {
            if (table.Ingress is not { } ingress)
            {
                continue;
            }

            // The service's per-host limit, divided again across the gateway's replicas (the service's sidecar keeps
            // enforcing its own share for the gateway caller, so the declared limit holds either way).
            var limit = ingress.RateLimit is { } declared ? RateLimitPolicy.Divide(declared.RequestsPerInterval, declared.IntervalSeconds, declared.Burst, replicas) : null;
            hosts.AddRange(ingress.Hosts.Select(host => new GatewayHost
            {
                Host = host,
                Service = id.ToString(),
                Address = options.Address(id),
                SpiffeId = table.Service.SpiffeId,
                Port = ingress.Port,
                Tls = ingress.Tls,
                RateLimit = limit,
            }));
        }

        var unstamped = new RouteTable.RouteTable
        {
            ApiVersion = RouteTable.RouteTable.CurrentApiVersion,
            Revision = string.Empty,
            Service = new WorkloadIdentity { Namespace = gateway.Namespace, Name = gateway.Name, SpiffeId = options.SpiffeIdOf(gateway) },
            Replicas = replicas,
            Ports = [],
            Inbound = [],
            Outbound = [],
            Denied = [],
            External = [],
            Volumes = [],
            Gateway = [.. hosts.OrderBy(h => h.Host, StringComparer.Ordinal)],
        };
        return RouteTableRevision.Stamp(unstamped);
    }

    private static RateLimitPolicy? Divide(RateLimitSpec? limit, int replicas) =>
        limit is null ? null : RateLimitPolicy.Divide(limit.RequestsPerInterval, limit.IntervalSeconds, limit.Burst, replicas);

    private static Diagnostic ServiceDiagnostic(LatticeService service, Severity severity, string id, string field, string message, string fix) => new()
    {
        Id = id,
        Severity = severity,
        Message = message,
        Fix = fix,
        Location = service.LocationOf(field),
        Resource = $"{LatticeService.Kind} {service.Id}",
        Field = field,
    };
}
