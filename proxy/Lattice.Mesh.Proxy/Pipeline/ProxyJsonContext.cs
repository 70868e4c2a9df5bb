using System.Text.Json.Serialization;

namespace Lattice.Mesh.Proxy.Pipeline;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProxyError))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;
