using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;
using YamlDotNet.RepresentationModel;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>
/// Binds one parsed YAML document to a <see cref="LatticeService"/>, field by field, as latticeservice.md
/// describes it. Every problem is reported; a document with any error yields no service.
/// </summary>
internal static partial class LatticeServiceReader
{
    private static readonly FrozenDictionary<string, string> ResourceTypes =
        new Dictionary<string, string> { ["volume"] = "volume", ["service"] = "service", ["external-service"] = "external-service" }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Direction> Directions =
        new Dictionary<string, Direction> { ["outbound"] = Direction.Outbound, ["inbound"] = Direction.Inbound, ["both"] = Direction.Both }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, string> AccessModes =
        new[] { "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod" }.ToFrozenDictionary(m => m, m => m);

    private static readonly FrozenDictionary<string, string> Protocols =
        new[] { "TCP", "UDP", "SCTP" }.ToFrozenDictionary(m => m, m => m);

    private static readonly FrozenDictionary<string, string> Schemes =
        new[] { "HTTP", "HTTPS" }.ToFrozenDictionary(m => m, m => m);

    private static readonly string[] ProbeChecks = ["httpGet", "exec", "tcpSocket"];

    private static readonly FrozenDictionary<string, IngressTlsMode> TlsModes =
        new Dictionary<string, IngressTlsMode> { ["auto"] = IngressTlsMode.Auto, ["manual"] = IngressTlsMode.Manual }.ToFrozenDictionary();

    /// <summary>The retry conditions used when <c>retries</c> gives none: only failures where nothing reached the app, or the gateway says so.</summary>
    public static readonly IReadOnlyList<RetryCondition> DefaultRetryOn = [RetryCondition.ConnectFailure, RetryCondition.GatewayError];

    /// <summary>
    /// Reads a LatticeService document whose apiVersion and kind were already checked.
    /// <paramref name="namespaceOverride"/> is a kustomization's <c>namespace:</c>, which wins as it does in kubectl.
    /// </summary>
    public static LatticeService? Read(ManifestContext context, MappingReader root, string? namespaceOverride)
    {
        // Name the resource as written before checking anything, so that every finding, metadata's too, names it.
        var written = root.Get("metadata") as YamlMappingNode;
        context.Resource = $"{LatticeService.Kind} {namespaceOverride ?? Written(written, "namespace") ?? "default"}/{Written(written, "name") ?? "<unnamed>"}";

        var errorsBefore = context.ErrorCount;
        var metadata = root.Mapping("metadata", required: true, fix: "add metadata: {name: <service name>, namespace: <namespace>}");
        string? name = null;
        string? ns = null;
        long generation = 0;
        if (metadata is not null)
        {
            name = metadata.Name("name", required: true, fix: "add metadata.name: the service's name, also its identity in the mesh");
            ns = metadata.Name("namespace");
            if (metadata.Get("generation") is { } generationNode && YamlScalars.TryGetInteger(generationNode, out var g))
            {
                generation = g;
            }

            // The rest of metadata (labels, annotations, uid, managedFields...) is Kubernetes' business, not ours.
        }

        ns = namespaceOverride ?? ns ?? "default";

        root.Get("status"); // written by the controller; read back from the API server, never from users
        var spec = ReadSpec(context, root);
        root.RejectUnknown();
        if (name is null || spec is null || context.ErrorCount > errorsBefore)
        {
            return null;
        }

        return new LatticeService
        {
            Id = new ServiceId(ns, name),
            Generation = generation,
            Spec = spec,
            Source = context.LocationOf(root.Node),
            FieldLocations = context.Locations.ToFrozenDictionary(StringComparer.Ordinal),
        };
    }

    private static string? Written(YamlMappingNode? metadata, string key) =>
        metadata is not null && metadata.Children.TryGetValue(new YamlScalarNode(key), out var value)
            && value is YamlScalarNode scalar && YamlScalars.KindOf(scalar) != YamlScalars.Kind.Null
            ? scalar.Value
            : null;

    private static LatticeServiceSpec? ReadSpec(ManifestContext context, MappingReader root)
    {
        var spec = root.Mapping("spec", required: true, fix: "add spec: with at least containers:");
        if (spec is null)
        {
            return null;
        }

        var environment = spec.String("environment");
        var replicas = ReadReplicas(spec);
        var resources = ReadResources(context, spec);
        var containers = ReadContainers(context, spec, resources);
        var ports = ReadPorts(context, spec);
        var ingress = ReadIngress(context, spec);
        spec.RejectUnknown();
        return new LatticeServiceSpec
        {
            Environment = environment,
            Replicas = replicas,
            Containers = containers,
            Ports = ports,
            Resources = resources,
            Ingress = ingress,
        };
    }

    private static ReplicaSpec ReadReplicas(MappingReader spec)
    {
        var replicas = spec.Mapping("replicas");
        if (replicas is null)
        {
            return ReplicaSpec.One;
        }

        var min = replicas.Int("min", 0, 1000) ?? 1;
        var max = replicas.Int("max", 1, 1000);
        if (max < min)
        {
            replicas.Forbid("max", $"max ({max}) is below min ({min})", $"raise max to at least {min}, or remove it");
        }

        replicas.RejectUnknown();
        return new ReplicaSpec(min, max);
    }

    private static Dictionary<string, ContainerSpec> ReadContainers(ManifestContext context, MappingReader spec, IReadOnlyDictionary<string, ResourceSpec> resources)
    {
        var containers = new Dictionary<string, ContainerSpec>(StringComparer.Ordinal);
        foreach (var (name, node, path) in spec.Entries("containers"))
        {
            if (!Names.IsDnsLabel(name))
            {
                context.Error(DiagnosticIds.InvalidName, node, path, $"container name '{name}' is not valid", Names.DnsLabelRule);
            }

            if (spec.AsMapping(node, path) is { } container && ReadContainer(context, container, resources) is { } read)
            {
                containers[name] = read;
            }
        }

        if (!spec.Has("containers"))
        {
            spec.Missing("containers", "add containers: {main: {image: <image>}}");
        }
        else if (spec.Get("containers") is YamlMappingNode { Children.Count: 0 } empty)
        {
            context.Error(DiagnosticIds.MissingField, empty, spec.ChildPath("containers"), "is empty, so there is nothing to run", "add a container: containers: {main: {image: <image>}}");
        }

        return containers;
    }

    private static ContainerSpec? ReadContainer(ManifestContext context, MappingReader container, IReadOnlyDictionary<string, ResourceSpec> resources)
    {
        var image = container.String("image", required: true, fix: "add image: <registry/name:tag>");
        var command = container.StringList("command");
        var args = container.StringList("args");

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node, path) in container.Entries("variables"))
        {
            if (!EnvironmentVariableName().IsMatch(name))
            {
                context.Error(DiagnosticIds.InvalidName, node, path, $"'{name}' is not a valid environment variable name", "use letters, digits, '_', '-' and '.', not starting with a digit");
            }

            if (container.AsString(node, path) is { } value)
            {
                variables[name] = value;
            }
        }

        var volumes = new Dictionary<string, ContainerVolumeSpec>(StringComparer.Ordinal);
        foreach (var (mountPath, node, path) in container.Entries("volumes"))
        {
            if (!mountPath.StartsWith('/'))
            {
                context.Error(DiagnosticIds.InvalidValue, node, path, $"mount path '{mountPath}' is not absolute", $"write the mount path from the root, e.g. /{mountPath.TrimStart('.', '/')}");
            }

            if (container.AsMapping(node, path) is { } mount && ReadMount(context, mount, resources) is { } read)
            {
                volumes[mountPath] = read;
            }
        }

        var computeResources = ReadComputeResources(container.Mapping("resources"));
        var readiness = ReadProbe(container.Mapping("readinessProbe"));
        var liveness = ReadProbe(container.Mapping("livenessProbe"));
        var startup = ReadProbe(container.Mapping("startupProbe"));
        container.RejectUnknown();
        return image is null
            ? null
            : new ContainerSpec
            {
                Image = image,
                Command = command,
                Args = args,
                Variables = variables,
                Volumes = volumes,
                Resources = computeResources,
                ReadinessProbe = readiness,
                LivenessProbe = liveness,
                StartupProbe = startup,
            };
    }

    private static ContainerVolumeSpec? ReadMount(ManifestContext context, MappingReader mount, IReadOnlyDictionary<string, ResourceSpec> resources)
    {
        var source = mount.String("source", required: true, fix: "add source: \"${resources.<volume resource name>}\"");
        var subPath = mount.String("path");
        var readOnly = mount.Bool("readOnly") ?? false;
        mount.RejectUnknown();

        if (subPath is not null && (subPath.StartsWith('/') || subPath.Split('/').Contains("..")))
        {
            context.Error(DiagnosticIds.InvalidValue, mount.Get("path"), mount.ChildPath("path"), $"'{subPath}' must stay inside the volume", "give a relative path without '..', e.g. tv/complete");
            return null;
        }

        if (source is null)
        {
            return null;
        }

        var match = VolumeSource().Match(source);
        if (!match.Success)
        {
            context.Error(DiagnosticIds.InvalidValue, mount.Get("source"), mount.ChildPath("source"), $"'{source}' is not a reference to a resource", "write source: \"${resources.<name>}\" naming a volume resource of this service");
            return null;
        }

        var resource = match.Groups[1].Value;
        if (!resources.TryGetValue(resource, out var target) || target is not (OwnedVolume or VolumeReference))
        {
            var volumeNames = resources.Values.Where(r => r is OwnedVolume or VolumeReference).Select(r => r.Name).ToList();
            var suggestion = Suggestions.Closest(resource, volumeNames);
            var fix = target is not null
                ? $"resources.{resource} is not a volume: mount a resource of type volume"
                : suggestion is not null
                    ? $"did you mean ${{resources.{suggestion}}}? Or add resources.{resource} {{type: volume, params: {{size: 10Gi}}}}"
                    : $"add resources.{resource} {{type: volume, params: {{size: 10Gi}}}}, or mount an existing volume resource";
            context.Error(DiagnosticIds.UnknownVolumeSource, mount.Get("source"), mount.ChildPath("source"), $"there is no volume resource '{resource}' in this service", fix);
            return null;
        }

        return new ContainerVolumeSpec(resource, subPath, readOnly);
    }

    private static ComputeResources? ReadComputeResources(MappingReader? resources)
    {
        if (resources is null)
        {
            return null;
        }

        Dictionary<string, string> Read(string key)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, node, path) in resources.Entries(key))
            {
                if (resources.QuantityValue(node, path) is { } quantity)
                {
                    values[name] = quantity;
                }
            }

            return values;
        }

        var result = new ComputeResources(Read("requests"), Read("limits"));
        resources.RejectUnknown();
        return result;
    }

    private static ProbeSpec? ReadProbe(MappingReader? probe)
    {
        if (probe is null)
        {
            return null;
        }

        HttpGetAction? httpGet = null;
        if (probe.Mapping("httpGet") is { } http)
        {
            var path = http.String("path") ?? "/";
            var port = http.Int("port", 1, 65535, required: true, fix: "add port: the container port to probe");
            var scheme = http.OneOf("scheme", Schemes) ?? "HTTP";
            http.RejectUnknown();
            httpGet = port is null ? null : new HttpGetAction(path, port.Value, scheme);
        }

        IReadOnlyList<string>? exec = null;
        if (probe.Mapping("exec") is { } execMapping)
        {
            exec = execMapping.StringList("command");
            if (exec is null or { Count: 0 })
            {
                execMapping.Missing("command", "add command: [program, arg...]");
            }

            execMapping.RejectUnknown();
        }

        int? tcpPort = null;
        if (probe.Mapping("tcpSocket") is { } tcp)
        {
            tcpPort = tcp.Int("port", 1, 65535, required: true, fix: "add port: the container port to probe");
            tcp.RejectUnknown();
        }

        const string OneCheck = "give exactly one of httpGet: {path, port}, exec: {command: [..]} or tcpSocket: {port}";
        var checks = ProbeChecks.Where(probe.Has).ToList();
        if (checks.Count == 0)
        {
            probe.Missing("httpGet", OneCheck);
        }

        foreach (var extra in checks.Skip(1))
        {
            probe.Forbid(extra, "a probe takes exactly one check", OneCheck);
        }

        var result = new ProbeSpec
        {
            HttpGet = httpGet,
            Exec = exec,
            TcpSocket = tcpPort,
            InitialDelaySeconds = probe.Int("initialDelaySeconds", 0, 3600),
            PeriodSeconds = probe.Int("periodSeconds", 1, 3600),
            TimeoutSeconds = probe.Int("timeoutSeconds", 1, 3600),
            FailureThreshold = probe.Int("failureThreshold", 1, 1000),
            SuccessThreshold = probe.Int("successThreshold", 1, 1000),
        };
        probe.RejectUnknown();
        return result;
    }

    private static Dictionary<string, PortSpec> ReadPorts(ManifestContext context, MappingReader spec)
    {
        var ports = new Dictionary<string, PortSpec>(StringComparer.Ordinal);
        var service = spec.Mapping("service");
        if (service is null)
        {
            return ports;
        }

        foreach (var (name, node, path) in service.Entries("ports"))
        {
            if (!Names.IsDnsLabel(name) || name.Length > 15)
            {
                context.Error(DiagnosticIds.InvalidName, node, path, $"port name '{name}' is not valid", "use at most 15 lower-case letters, digits and '-'");
            }

            if (service.AsMapping(node, path) is not { } port)
            {
                continue;
            }

            var number = port.Int("port", 1, 65535, required: true, fix: "add port: the port the app listens on");
            var protocol = port.OneOf("protocol", Protocols) ?? "TCP";
            var target = port.Int("targetPort", 1, 65535);
            port.RejectUnknown();
            if (number is { } value)
            {
                ports[name] = new PortSpec(value, target ?? value, protocol);
            }
        }

        service.RejectUnknown();
        return ports;
    }

    private static Dictionary<string, ResourceSpec> ReadResources(ManifestContext context, MappingReader spec)
    {
        var resources = new Dictionary<string, ResourceSpec>(StringComparer.Ordinal);
        foreach (var (name, node, path) in spec.Entries("resources"))
        {
            if (!Names.IsDnsLabel(name))
            {
                context.Error(DiagnosticIds.InvalidName, node, path, $"resource name '{name}' is not valid", $"{Names.DnsLabelRule} (a service resource's name is the other service's name)");
                continue;
            }

            if (spec.AsMapping(node, path) is { } resource && ReadResource(context, name, resource) is { } read)
            {
                resources[name] = read;
            }
        }

        return resources;
    }

    private static ResourceSpec? ReadResource(ManifestContext context, string name, MappingReader resource)
    {
        var type = resource.OneOf("type", ResourceTypes, required: true);
        ResourceSpec? result = type switch
        {
            "volume" => ReadVolume(context, name, resource),
            "service" => ReadServiceDependency(name, resource),
            "external-service" => ReadExternal(context, name, resource),
            _ => null,
        };
        if (type is null)
        {
            // Mark the type-specific fields as known so that the only error is the missing or bad type.
            foreach (var key in new[] { "direction", "namespace", "params", "inbound", "outbound" })
            {
                resource.Get(key);
            }
        }

        resource.RejectUnknown();
        return result;
    }

    private static ResourceSpec? ReadVolume(ManifestContext context, string name, MappingReader resource)
    {
        foreach (var key in new[] { "direction", "namespace", "inbound", "outbound" })
        {
            resource.Forbid(key, $"{key} applies to service resources, not volumes", $"remove {key}");
        }

        var parameters = resource.Mapping("params", required: true, fix: "add params: {size: 10Gi} for a volume of its own, or params: {ref: <service>.<volume>} to share another service's");
        if (parameters is null)
        {
            return null;
        }

        ResourceSpec? result = null;
        if (parameters.String("ref") is { } reference)
        {
            foreach (var key in new[] { "size", "storageClass", "accessMode" })
            {
                parameters.Forbid(key, $"a reference takes its {key} from the volume's owner", $"remove {key}, or set it on the owner's volume");
            }

            var dot = reference.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == reference.Length - 1 || reference.IndexOf('.', dot + 1) >= 0
                || !Names.IsDnsLabel(reference[..dot]) || !Names.IsDnsLabel(reference[(dot + 1)..]))
            {
                context.Error(DiagnosticIds.InvalidValue, parameters.Get("ref"), parameters.ChildPath("ref"), $"'{reference}' is not <service>.<volume>", "write ref: <owner service>.<owner's volume resource>, e.g. ref: nzbget.downloads");
            }
            else
            {
                result = new VolumeReference { Name = name, OwnerService = reference[..dot], OwnerVolume = reference[(dot + 1)..] };
            }
        }
        else
        {
            var size = parameters.QuantityField("size", required: true, fix: "add size: e.g. size: 10Gi (or ref: <service>.<volume> to share another service's volume)");
            var storageClass = parameters.String("storageClass");
            var accessMode = parameters.OneOf("accessMode", AccessModes) ?? "ReadWriteOnce";
            if (size is not null)
            {
                result = new OwnedVolume { Name = name, Size = size, StorageClass = storageClass, AccessMode = accessMode };
            }
        }

        parameters.RejectUnknown();
        return result;
    }

    private static ServiceDependency? ReadServiceDependency(string name, MappingReader resource)
    {
        resource.Forbid("params", "service resources take no params", "remove params; policies go under outbound: or inbound:");
        var written = resource.Enum("direction", Directions);
        var direction = written ?? Direction.Outbound;

        // A misspelt direction is already an error: do not pile on conflicts measured against the default.
        var directionKnown = written is not null || !resource.Has("direction");
        var ns = resource.Name("namespace");

        RetryPolicy? retries = null;
        TimeoutPolicy? timeout = null;
        if (resource.Mapping("outbound") is { } outbound)
        {
            if (directionKnown && direction == Direction.Inbound)
            {
                resource.Forbid("outbound", "outbound policy on an inbound-only dependency", "change direction to both, or remove outbound");
            }

            retries = ReadRetries(outbound.Mapping("retries"));
            timeout = ReadTimeout(outbound.Mapping("timeout"));
            outbound.RejectUnknown();
            if (retries?.PerTryTimeout is { } perTry && timeout?.Request is { } request && perTry > request)
            {
                outbound.Forbid("retries", $"perTryTimeout ({GoDuration.Format(perTry)}) is longer than the request timeout ({GoDuration.Format(request)}), so it could never apply", "shorten retries.perTryTimeout, or lengthen timeout.request");
            }
        }

        RateLimitSpec? rateLimit = null;
        if (resource.Mapping("inbound") is { } inbound)
        {
            if (directionKnown && direction == Direction.Outbound)
            {
                resource.Forbid("inbound", "inbound policy on an outbound-only dependency", "change direction to both, or remove inbound");
            }

            rateLimit = ReadRateLimit(inbound.Mapping("rateLimit"));
            inbound.RejectUnknown();
        }

        return new ServiceDependency { Name = name, Direction = direction, Namespace = ns, Retries = retries, Timeout = timeout, RateLimit = rateLimit };
    }

    private static RetryPolicy? ReadRetries(MappingReader? retries)
    {
        if (retries is null)
        {
            return null;
        }

        var attempts = retries.Int("attempts", 1, 10, required: true, fix: "add attempts: the number of tries in all, e.g. 3");
        var perTry = retries.Duration("perTryTimeout");
        var retryOn = new List<RetryCondition>();
        foreach (var (node, path) in retries.Items("retryOn"))
        {
            if (retries.AsEnum(node, path, RetryConditionNames.ByName) is { } condition && !retryOn.Contains(condition))
            {
                retryOn.Add(condition);
            }
        }

        retries.RejectUnknown();
        if (attempts is null)
        {
            return null;
        }

        var conditions = retryOn.Count > 0 ? retryOn : DefaultRetryOn;
        return new RetryPolicy { Attempts = attempts.Value, PerTryTimeout = perTry, RetryOn = [.. conditions.Order()] };
    }

    private static TimeoutPolicy? ReadTimeout(MappingReader? timeout)
    {
        if (timeout is null)
        {
            return null;
        }

        var result = new TimeoutPolicy { Request = timeout.Duration("request"), Idle = timeout.Duration("idle") };
        timeout.RejectUnknown();
        return result;
    }

    private static RateLimitSpec? ReadRateLimit(MappingReader? rateLimit)
    {
        if (rateLimit is null)
        {
            return null;
        }

        var requests = rateLimit.Int("requestsPerInterval", 1, 100_000_000, required: true, fix: "add requestsPerInterval: how many requests each interval allows");
        var interval = rateLimit.Int("intervalSeconds", 1, 86_400) ?? 60;
        var burst = rateLimit.Int("burst", 1, 100_000_000);
        rateLimit.RejectUnknown();
        return requests is null ? null : new RateLimitSpec(requests.Value, interval, burst);
    }

    private static ExternalService? ReadExternal(ManifestContext context, string name, MappingReader resource)
    {
        if (resource.Enum("direction", Directions) is { } direction && direction != Direction.Outbound)
        {
            resource.Forbid("direction", "an external service can only be called", "remove direction, or set it to outbound");
        }

        foreach (var key in new[] { "namespace", "inbound", "outbound" })
        {
            resource.Forbid(key, $"{key} applies to mesh services, not external ones", $"remove {key}");
        }

        var parameters = resource.Mapping("params", required: true, fix: "add params: {endpoints: {<name>: https://host}}");
        if (parameters is null)
        {
            return null;
        }

        var endpoints = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var (endpointName, node, path) in parameters.Entries("endpoints"))
        {
            var text = parameters.AsString(node, path);
            if (text is null)
            {
                continue;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || string.IsNullOrEmpty(url.Host))
            {
                context.Error(DiagnosticIds.InvalidValue, node, path, $"'{text}' is not an http or https URL", "write the endpoint as https://host[:port][/path]");
                continue;
            }

            endpoints[endpointName] = url;
        }

        if (!parameters.Has("endpoints"))
        {
            parameters.Missing("endpoints", "add endpoints: {<name>: https://host}");
        }

        parameters.RejectUnknown();
        return endpoints.Count == 0 ? null : new ExternalService { Name = name, Endpoints = endpoints };
    }

    private static IngressSpec? ReadIngress(ManifestContext context, MappingReader spec)
    {
        var ingress = spec.Mapping("ingress");
        if (ingress is null)
        {
            return null;
        }

        var hosts = new List<string>();
        foreach (var (node, path) in ingress.Items("hosts"))
        {
            if (ingress.AsString(node, path) is not { } host)
            {
                continue;
            }

            if (!Names.IsDnsSubdomain(host))
            {
                context.Error(DiagnosticIds.InvalidName, node, path, $"'{host}' is not a host name", Names.HostNameRule);
                continue;
            }

            hosts.Add(host);
        }

        if (!ingress.Has("hosts"))
        {
            ingress.Missing("hosts", "add hosts: [<name>.home.local]");
        }
        else if (ingress.Get("hosts") is YamlSequenceNode { Children.Count: 0 } empty)
        {
            context.Error(DiagnosticIds.MissingField, empty, ingress.ChildPath("hosts"), "is empty, so the gateway would serve nothing", "list at least one host, e.g. hosts: [<name>.home.local], or remove ingress");
        }

        IngressTlsMode mode = IngressTlsMode.Auto;
        string? issuerName = null, issuerKind = null, secretName = null;
        if (ingress.Mapping("tls") is { } tls)
        {
            mode = tls.Enum("mode", TlsModes) ?? IngressTlsMode.Auto;
            if (tls.Mapping("issuerRef") is { } issuer)
            {
                issuerName = issuer.String("name", required: true, fix: "add name: the cert-manager issuer's name");
                issuerKind = issuer.String("kind");
                issuer.RejectUnknown();
            }

            secretName = tls.Name("secretName");
            if (mode == IngressTlsMode.Manual && secretName is null && !tls.Has("secretName"))
            {
                tls.Missing("secretName", "add secretName: the Secret holding tls.crt and tls.key (mode: manual serves it as it is)");
            }

            tls.RejectUnknown();
        }

        var port = ingress.String("port");
        var rateLimit = ReadRateLimit(ingress.Mapping("rateLimit"));
        ingress.RejectUnknown();
        return new IngressSpec
        {
            Hosts = hosts,
            TlsMode = mode,
            IssuerName = issuerName,
            IssuerKind = issuerKind,
            SecretName = secretName,
            Port = port,
            RateLimit = rateLimit,
        };
    }

    [GeneratedRegex(@"^\$\{resources\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\}$", RegexOptions.CultureInvariant)]
    private static partial Regex VolumeSource();

    [GeneratedRegex(@"^[-._a-zA-Z][-._a-zA-Z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentVariableName();
}
