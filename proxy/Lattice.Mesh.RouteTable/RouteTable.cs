using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// Everything one sidecar enforces for one service: who may call it, whom it may call and how, and its
/// ingress and volumes; for the gateway, also every host it serves (<see cref="Gateway"/>). Immutable: a new
/// configuration is a new table with a new <see cref="Revision"/>.
/// </summary>
public sealed record RouteTable
{
    private readonly ImmutableArray<GatewayHost> _gateway = [];

    /// <summary>The only version of this document that this build understands.</summary>
    public const string CurrentApiVersion = "lattice.dev/routetable/v1alpha1";

    public required string ApiVersion { get; init; }

    /// <summary>A stable hash of everything else in the table: equal content, equal revision.</summary>
    public required string Revision { get; init; }

    public required WorkloadIdentity Service { get; init; }

    /// <summary>The replica count the rate limits were divided by.</summary>
    public required int Replicas { get; init; }

    public required ImmutableArray<ServicePort> Ports { get; init; }

    /// <summary>The callers allowed in; everyone else is refused.</summary>
    public required ImmutableArray<InboundCaller> Inbound { get; init; }

    /// <summary>The destinations this service may call; every other is refused at its own sidecar.</summary>
    public required ImmutableArray<OutboundDestination> Outbound { get; init; }

    /// <summary>Destinations this service declared whose agreement is one-sided, with what is missing.</summary>
    public required ImmutableArray<DeniedDestination> Denied { get; init; }

    public required ImmutableArray<ExternalDestination> External { get; init; }

    public IngressRoute? Ingress { get; init; }

    /// <summary>
    /// The hosts the gateway serves, one entry per host, sorted by host. Empty on every sidecar's table (only
    /// the controller's table for the gateway carries entries), and then left out of the JSON, so that a
    /// sidecar's table reads, writes and hashes exactly as it did before this member existed. Never default.
    /// </summary>
    [JsonIgnore]
    public ImmutableArray<GatewayHost> Gateway
    {
        get => _gateway;
        init => _gateway = value.IsDefault ? [] : value;
    }

    /// <summary><see cref="Gateway"/> as JSON: absent when empty; when present, an array (null is refused).</summary>
    [JsonInclude]
    [JsonPropertyName("gateway")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    internal ImmutableArray<GatewayHost> GatewayJson
    {
        get => _gateway.IsEmpty ? default : _gateway;
        init => Gateway = value;
    }

    public required ImmutableArray<VolumeClaim> Volumes { get; init; }

    public bool Equals(RouteTable? other) =>
        other is not null
        && ApiVersion == other.ApiVersion
        && Revision == other.Revision
        && Service == other.Service
        && Replicas == other.Replicas
        && Sequence.Equal(Ports, other.Ports)
        && Sequence.Equal(Inbound, other.Inbound)
        && Sequence.Equal(Outbound, other.Outbound)
        && Sequence.Equal(Denied, other.Denied)
        && Sequence.Equal(External, other.External)
        && Equals(Ingress, other.Ingress)
        && Sequence.Equal(Gateway, other.Gateway)
        && Sequence.Equal(Volumes, other.Volumes);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ApiVersion);
        hash.Add(Revision);
        hash.Add(Service);
        hash.Add(Replicas);
        hash.Add(Sequence.Hash(Ports));
        hash.Add(Sequence.Hash(Inbound));
        hash.Add(Sequence.Hash(Outbound));
        hash.Add(Sequence.Hash(Denied));
        hash.Add(Sequence.Hash(External));
        hash.Add(Ingress);
        hash.Add(Sequence.Hash(Gateway));
        hash.Add(Sequence.Hash(Volumes));
        return hash.ToHashCode();
    }
}
