using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Injector.Webhook;

/// <summary>
/// <c>POST /mutate</c>: an admission.k8s.io/v1 AdmissionReview for a Pod in, the same review with a response out.
/// The pure <see cref="SidecarInjector"/> decides and mutates; the difference goes back as a JSON patch. A pod that is
/// not to be injected is allowed unchanged; what the injector had to ignore (a bad annotation) comes back as warnings.
/// A review that cannot be read is a 400 naming what is wrong.
/// </summary>
public static partial class AdmissionEndpoint
{
    public const string Path = "/mutate";

    /// <param name="endpoints">Where to map it.</param>
    /// <param name="settings">What to inject.</param>
    /// <param name="namespaceLabels">A namespace's labels (the review carries the pod, not its namespace): <see cref="NamespaceLabels.GetAsync"/>.</param>
    /// <param name="logger">Where decisions are logged.</param>
    public static IEndpointRouteBuilder MapSidecarInjection(this IEndpointRouteBuilder endpoints, InjectorSettings settings, Func<string, CancellationToken, Task<IReadOnlyDictionary<string, string>>> namespaceLabels, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost(Path, context => HandleAsync(context, settings, namespaceLabels, logger));
        return endpoints;
    }

    private static async Task HandleAsync(HttpContext context, InjectorSettings settings, Func<string, CancellationToken, Task<IReadOnlyDictionary<string, string>>> namespaces, ILogger logger)
    {
        JsonNode? review;
        try
        {
            review = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            await BadRequestAsync(context, $"the body is not JSON ({e.Message}); send an admission.k8s.io/v1 AdmissionReview");
            return;
        }

        var request = review?["request"];
        var uid = request?["uid"]?.GetValue<string>();
        if (review?["apiVersion"]?.GetValue<string>() is not "admission.k8s.io/v1" || uid is null)
        {
            await BadRequestAsync(context, "send an AdmissionReview with apiVersion admission.k8s.io/v1 and request.uid");
            return;
        }

        if (request?["kind"]?["kind"]?.GetValue<string>() is not "Pod" || request["object"] is not JsonObject podJson)
        {
            await RespondAsync(context, uid, allowed: true, patch: null, warnings: []);
            return;
        }

        V1Pod pod;
        try
        {
            pod = KubernetesJson.Deserialize<V1Pod>(podJson.ToJsonString());
        }
        catch (JsonException e)
        {
            await BadRequestAsync(context, $"request.object is not a Pod ({e.Message})");
            return;
        }

        var ns = request["namespace"]?.GetValue<string>() ?? pod.Metadata?.NamespaceProperty ?? "default";
        var info = new NamespaceInfo(ns, await namespaces(ns, context.RequestAborted));
        var decision = SidecarInjector.Decide(pod, info);
        var name = pod.Metadata?.Name ?? pod.Metadata?.GenerateName + "*";
        if (!decision.Inject)
        {
            Log.Skipped(logger, ns, name, decision.Reason);
            await RespondAsync(context, uid, allowed: true, patch: null, warnings: []);
            return;
        }

        var mutated = SidecarInjector.Inject(pod, info, settings);
        var patch = PodPatch.Create(pod, mutated);
        Log.Injected(logger, ns, name, decision.Reason);
        await RespondAsync(context, uid, allowed: true, patch, SidecarInjector.Warnings(pod, info, settings));
    }

    private static Task RespondAsync(HttpContext context, string uid, bool allowed, JsonArray? patch, IReadOnlyList<string> warnings)
    {
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = allowed };
        if (patch is { Count: > 0 })
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(patch.ToJsonString()));
        }

        if (warnings.Count > 0)
        {
            // Shown by kubectl to whoever created the pod (or its Deployment's events): a bad annotation is named, not silently dropped.
            response["warnings"] = new JsonArray([.. warnings.Select(w => (JsonNode?)JsonValue.Create(w))]);
        }

        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString(), context.RequestAborted);
    }

    private static Task BadRequestAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return context.Response.WriteAsync($"{Path}: {message}\n", context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Injected the sidecar into pod {Namespace}/{Pod}: {Reason}")]
        public static partial void Injected(ILogger logger, string @namespace, string pod, string reason);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Left pod {Namespace}/{Pod} alone: {Reason}")]
        public static partial void Skipped(ILogger logger, string @namespace, string pod, string reason);
    }
}
