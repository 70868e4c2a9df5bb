using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable;

/// <summary>Writes and reads <see cref="TimeSpan"/> as a Go duration (<c>"10s"</c>), the way the manifests write it.</summary>
public sealed class GoDurationJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (!GoDuration.TryParse(text, out var value))
        {
            throw new JsonException($"expected a duration string such as \"10s\"; {GoDuration.Syntax}");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(GoDuration.Format(value));
}
