using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Ingress;

namespace Lattice.Mesh.Kubernetes.Reconciling;

/// <summary>What the controller knows about one LatticeService, gathered for its status.</summary>
/// <param name="Id">The service.</param>
/// <param name="Generation">metadata.generation of the object the status is for.</param>
/// <param name="Diagnostics">Everything found about this object: reading it, and compiling it with the rest of the mesh.</param>
/// <param name="Compiled">False when it could not be read or compiled: it then keeps what it had, and says why.</param>
/// <param name="Graph">The mesh's agreement graph (null before anything compiled).</param>
/// <param name="Revision">The revision of the route table its sidecars are served.</param>
/// <param name="SidecarsCurrent">Sidecars reporting that revision in force.</param>
/// <param name="SidecarsReporting">Sidecars connected and reporting at all.</param>
/// <param name="ApplyError">Why applying its workload failed, if it did.</param>
/// <param name="KeptClaims">Claims kept for it although their owner no longer declares them, with the reason.</param>
/// <param name="PodsWithoutSidecar">Its pods running without the sidecar (started while the injector was away, or opted out).</param>
/// <param name="IngressCertificate">Where the gateway's certificate for its ingress hosts comes from; null when it has no ingress the gateway serves.</param>
public sealed record ServiceFacts(
    ServiceId Id,
    long Generation,
    IReadOnlyList<Diagnostic> Diagnostics,
    bool Compiled,
    AgreementGraph? Graph,
    string? Revision,
    int SidecarsCurrent,
    int SidecarsReporting,
    string? ApplyError,
    IReadOnlyList<string> KeptClaims,
    IReadOnlyList<string> PodsWithoutSidecar,
    IngressCertificateState? IngressCertificate = null);

/// <summary>
/// The status subresource of a LatticeService, computed from <see cref="ServiceFacts"/>: conditions (Ready,
/// AgreementsResolved, VolumesResolved, Failed, SidecarsInjected, and IngressCertificateReady for a service with
/// ingress) with reasons, the live agreements, the pending ones with their fix,
/// observedGeneration, and how many sidecars run the current route table. A condition keeps its
/// lastTransitionTime while its status does not change, so that an unchanged service writes nothing.
/// </summary>
public static class ServiceStatus
{
    public static JsonObject Build(ServiceFacts facts, JsonElement? previous, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var errors = facts.Diagnostics.Where(d => d.IsError).ToList();
        var volumeErrors = errors.Where(d => d.Field?.StartsWith("spec.resources", StringComparison.Ordinal) == true && IsVolumeFinding(d)).ToList();
        var agreements = new JsonArray();
        var pending = new JsonArray();
        if (facts.Graph is { } graph && graph.Contains(facts.Id))
        {
            foreach (var agreement in graph.Agreements.Where(a => a.Caller == facts.Id || a.Callee == facts.Id).OrderBy(a => a.Caller == facts.Id ? 0 : 1).ThenBy(a => Other(a, facts.Id).ToString(), StringComparer.Ordinal))
            {
                agreements.Add(Agreement(agreement, facts.Id));
            }

            foreach (var missing in graph.Pending.Where(p => p.Caller == facts.Id || p.Callee == facts.Id).OrderBy(p => p.Caller.ToString(), StringComparer.Ordinal).ThenBy(p => p.Callee.ToString(), StringComparer.Ordinal))
            {
                pending.Add(new JsonObject
                {
                    ["caller"] = missing.Caller.ToString(),
                    ["callee"] = missing.Callee.ToString(),
                    ["missing"] = missing.Missing switch
                    {
                        MissingSide.CallerOutbound => "caller-outbound",
                        MissingSide.CalleeInbound => "callee-inbound",
                        _ => "service",
                    },
                    ["reason"] = missing.Reason,
                    ["fix"] = missing.Fix,
                });
            }
        }

        var conditions = new JsonArray
        {
            Condition(previous, now, facts.Generation, "Failed", !facts.Compiled,
                facts.Compiled ? "Valid" : "InvalidSpec",
                facts.Compiled ? "the spec was read and compiled" : Describe(errors, "the spec could not be read")),
            Condition(previous, now, facts.Generation, "AgreementsResolved", facts.Compiled && pending.Count == 0,
                !facts.Compiled ? "InvalidSpec" : pending.Count == 0 ? "AllAgreed" : "PendingAgreements",
                !facts.Compiled ? "the spec is invalid; see Failed"
                    : pending.Count == 0 ? string.Create(CultureInfo.InvariantCulture, $"{agreements.Count} agreements, none pending")
                    : string.Create(CultureInfo.InvariantCulture, $"{pending.Count} pending: {pending[0]!["reason"]}. Fix: {pending[0]!["fix"]}")),
            Condition(previous, now, facts.Generation, "VolumesResolved", facts.Compiled && volumeErrors.Count == 0 && facts.KeptClaims.Count == 0,
                volumeErrors.Count > 0 ? "VolumeReferenceError" : facts.KeptClaims.Count > 0 ? "ClaimKept" : !facts.Compiled ? "InvalidSpec" : "Resolved",
                volumeErrors.Count > 0 ? string.Join("; ", [Describe(volumeErrors, "a volume reference is wrong"), .. facts.KeptClaims])
                    : facts.KeptClaims.Count > 0 ? string.Join("; ", facts.KeptClaims)
                    : !facts.Compiled ? "the spec is invalid; see Failed" : "every volume resolves to one claim"),
            Condition(previous, now, facts.Generation, "SidecarsInjected", facts.PodsWithoutSidecar.Count == 0,
                facts.PodsWithoutSidecar.Count == 0 ? "AllInjected" : "MissingSidecar",
                facts.PodsWithoutSidecar.Count == 0 ? "every running pod has the sidecar"
                    : string.Create(CultureInfo.InvariantCulture, $"{facts.PodsWithoutSidecar.Count} {(facts.PodsWithoutSidecar.Count == 1 ? "pod runs" : "pods run")} without the sidecar, so the mesh neither protects nor reaches them: {string.Join(", ", facts.PodsWithoutSidecar.Take(5))}. Fix: check that the injector is running, then delete these pods so that they are re-created with it")),
            Condition(previous, now, facts.Generation, "Ready", facts.Compiled && facts.ApplyError is null,
                !facts.Compiled ? "InvalidSpec" : facts.ApplyError is not null ? "ApplyFailed" : "Reconciled",
                !facts.Compiled ? "the spec is invalid; the last good configuration keeps serving"
                    : facts.ApplyError ?? "the workload is rendered and the route table is served"),
        };
        if (facts.IngressCertificate is { } certificate)
        {
            conditions.Insert(conditions.Count - 1, Condition(previous, now, facts.Generation, IngressCertificateState.Condition, certificate.Ready, certificate.Reason, certificate.Message));
        }

        var status = new JsonObject
        {
            ["observedGeneration"] = facts.Generation,
            ["conditions"] = conditions,
            ["agreementCount"] = agreements.Count,
            ["pendingCount"] = pending.Count,
            ["agreements"] = agreements,
            ["pending"] = pending,
        };
        if (facts.Revision is not null)
        {
            status["routeTable"] = new JsonObject
            {
                ["revision"] = facts.Revision,
                ["sidecarsCurrent"] = facts.SidecarsCurrent,
                ["sidecarsReporting"] = facts.SidecarsReporting,
                ["sidecars"] = string.Create(CultureInfo.InvariantCulture, $"{facts.SidecarsCurrent}/{facts.SidecarsReporting}"),
            };
        }

        var warnings = facts.Diagnostics.Where(d => !d.IsError).Select(d => (JsonNode?)JsonValue.Create(d.ToString())).ToArray();
        if (warnings.Length > 0)
        {
            status["warnings"] = new JsonArray(warnings);
        }

        return status;
    }

    private static bool IsVolumeFinding(Diagnostic diagnostic) =>
        diagnostic.Field?.Contains(".params", StringComparison.Ordinal) == true || diagnostic.Message.Contains("volume", StringComparison.OrdinalIgnoreCase);

    private static ServiceId Other(Agreement agreement, ServiceId self) => agreement.Caller == self ? agreement.Callee : agreement.Caller;

    private static JsonObject Agreement(Agreement agreement, ServiceId self)
    {
        var outbound = agreement.Caller == self;
        var entry = new JsonObject { ["service"] = Other(agreement, self).ToString(), ["direction"] = outbound ? "outbound" : "inbound" };
        if (outbound && agreement.Retries is { } retries)
        {
            entry["retries"] = string.Create(CultureInfo.InvariantCulture, $"{retries.Attempts} attempts");
        }

        if (outbound && agreement.Timeout?.Request is { } timeout)
        {
            entry["timeout"] = RouteTable.GoDuration.Format(timeout);
        }

        if (!outbound && agreement.RateLimit is { } limit)
        {
            entry["rateLimit"] = string.Create(CultureInfo.InvariantCulture, $"{limit.RequestsPerInterval} per {limit.IntervalSeconds}s");
        }

        return entry;
    }

    private static string Describe(List<Diagnostic> errors, string fallback) =>
        errors.Count == 0 ? fallback : string.Join("; ", errors.Take(5).Select(e => e.ToString())) + (errors.Count > 5 ? string.Create(CultureInfo.InvariantCulture, $"; and {errors.Count - 5} more") : string.Empty);

    private static JsonObject Condition(JsonElement? previous, DateTimeOffset now, long generation, string type, bool isTrue, string reason, string message)
    {
        var status = isTrue ? "True" : "False";
        var since = now.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        if (previous is { ValueKind: JsonValueKind.Object } old && old.TryGetProperty("conditions", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var condition in list.EnumerateArray())
            {
                if (condition.TryGetProperty("type", out var t) && t.ValueEquals(type)
                    && condition.TryGetProperty("status", out var s) && s.ValueEquals(status)
                    && condition.TryGetProperty("lastTransitionTime", out var at) && at.ValueKind == JsonValueKind.String)
                {
                    since = at.GetString()!;
                }
            }
        }

        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["reason"] = reason,
            ["message"] = message,
            ["lastTransitionTime"] = since,
            ["observedGeneration"] = generation,
        };
    }
}
