using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// Enums by name only. The default string-enum converter also reads numbers, which would let a table say
/// <c>"retryOn": [7]</c>; a sidecar refuses what it cannot name.
/// </summary>
public sealed class StrictStringEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
