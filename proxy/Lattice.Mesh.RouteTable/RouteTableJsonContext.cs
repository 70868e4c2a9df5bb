using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// Source-generated JSON for the route table. Unknown members and missing required members are errors:
/// a sidecar never guesses at a table it does not fully understand.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    Converters = [typeof(GoDurationJsonConverter)])]
[JsonSerializable(typeof(RouteTable))]
public sealed partial class RouteTableJsonContext : JsonSerializerContext;
