using System.Text.Json;
using System.Text.Json.Nodes;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Cli.Rendering;

/// <summary>The graph for machines: services, agreements with policies, pending agreements, volumes, diagnostics.</summary>
internal static class JsonReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Graph(MeshInput input)
    {
        var graph = input.Compilation.Graph;
        var label = PolicyText.Labeller(graph.Services);
        var document = new JsonObject
        {
            ["services"] = new JsonArray([.. graph.Services.Select(s => JsonValue.Create(s.ToString()))]),
            ["agreements"] = new JsonArray([.. graph.Agreements.Select(a => (JsonNode)new JsonObject
            {
                ["caller"] = a.Caller.ToString(),
                ["callee"] = a.Callee.ToString(),
                ["retries"] = a.Retries is null ? null : new JsonObject
                {
                    ["attempts"] = a.Retries.Attempts,
                    ["perTryTimeout"] = a.Retries.PerTryTimeout is { } perTry ? GoDuration.Format(perTry) : null,
                    ["retryOn"] = new JsonArray([.. a.Retries.RetryOn.Select(c => JsonValue.Create(PolicyText.Condition(c)))]),
                },
                ["timeout"] = a.Timeout is null ? null : new JsonObject
                {
                    ["request"] = a.Timeout.Request is { } request ? GoDuration.Format(request) : null,
                    ["idle"] = a.Timeout.Idle is { } idle ? GoDuration.Format(idle) : null,
                },
                ["rateLimit"] = a.RateLimit is null ? null : new JsonObject
                {
                    ["requestsPerInterval"] = a.RateLimit.RequestsPerInterval,
                    ["intervalSeconds"] = a.RateLimit.IntervalSeconds,
                    ["burst"] = a.RateLimit.Burst,
                },
            })]),
            ["pending"] = new JsonArray([.. graph.Pending.Select(p => (JsonNode)new JsonObject
            {
                ["caller"] = p.Caller.ToString(),
                ["callee"] = p.Callee.ToString(),
                ["declaredBy"] = p.DeclaredBy.ToString(),
                ["missing"] = p.Missing switch
                {
                    MissingSide.CallerOutbound => "caller-outbound",
                    MissingSide.CalleeInbound => "callee-inbound",
                    _ => "service",
                },
                ["reason"] = p.Reason,
                ["fix"] = p.Fix,
            })]),
            ["policies"] = new JsonArray([.. PolicyRow.From(graph, label).Select(r => (JsonNode)new JsonObject
            {
                ["route"] = r.Route,
                ["retries"] = r.Retries,
                ["timeout"] = r.Timeout,
                ["rateLimit"] = r.RateLimit,
            })]),
            ["volumes"] = new JsonArray([.. VolumeRow.From(input, label).Select(v => (JsonNode)new JsonObject
            {
                ["claim"] = v.Claim,
                ["owner"] = v.Owner,
                ["size"] = v.Size,
                ["accessMode"] = v.AccessMode,
                ["mountedBy"] = new JsonArray([.. v.MountedBy.Select(m => JsonValue.Create(m))]),
            })]),
            ["diagnostics"] = Diagnostics(input.Diagnostics),
        };
        return document.ToJsonString(Indented);
    }

    public static JsonArray Diagnostics(IReadOnlyList<Diagnostic> diagnostics) =>
        new([.. diagnostics.Select(d => (JsonNode)new JsonObject
        {
            ["id"] = d.Id,
            ["severity"] = d.IsError ? "error" : "warning",
            ["file"] = d.Location?.File,
            ["line"] = d.Location is { Line: > 0 } ? d.Location.Line : null,
            ["column"] = d.Location is { Line: > 0 } ? d.Location.Column : null,
            ["resource"] = d.Resource,
            ["field"] = d.Field,
            ["message"] = d.Message,
            ["fix"] = d.Fix,
        })]);

    public static string Validation(MeshInput input) =>
        new JsonObject
        {
            ["valid"] = !input.HasErrors,
            ["services"] = input.Compilation.Graph.Services.Count,
            ["diagnostics"] = Diagnostics(input.Diagnostics),
        }.ToJsonString(Indented);
}
