using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable;

/// <summary>What makes a try worth repeating (Istio's <c>retryOn</c> vocabulary).</summary>
[JsonConverter(typeof(StrictStringEnumConverter<RetryCondition>))]
public enum RetryCondition
{
    /// <summary>Any 5xx response.</summary>
    [JsonStringEnumMemberName("5xx")]
    ServerError,

    /// <summary>502, 503 or 504.</summary>
    [JsonStringEnumMemberName("gateway-error")]
    GatewayError,

    /// <summary>The connection could not be made: nothing was sent.</summary>
    [JsonStringEnumMemberName("connect-failure")]
    ConnectFailure,

    /// <summary>The connection was reset before a response arrived.</summary>
    [JsonStringEnumMemberName("reset")]
    Reset,

    /// <summary>409 Conflict.</summary>
    [JsonStringEnumMemberName("retriable-4xx")]
    Retriable4xx,
}
