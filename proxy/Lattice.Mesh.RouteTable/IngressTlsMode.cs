using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable;

[JsonConverter(typeof(StrictStringEnumConverter<IngressTlsMode>))]
public enum IngressTlsMode
{
    /// <summary>A certificate is issued for the hosts (cert-manager, or the controller's ingress CA).</summary>
    [JsonStringEnumMemberName("auto")]
    Auto,

    /// <summary>The certificate in the named Secret is served.</summary>
    [JsonStringEnumMemberName("manual")]
    Manual,
}
