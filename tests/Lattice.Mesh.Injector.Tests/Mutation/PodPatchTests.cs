using System.Text.Json.Nodes;
using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using static Lattice.Mesh.Injector.Tests.Mutation.Pods;

namespace Lattice.Mesh.Injector.Tests.Mutation;

public sealed class PodPatchTests
{
    private static JsonNode Node(V1Pod pod) => JsonNode.Parse(Json(pod))!;

    private static void AssertPatchGives(V1Pod original, V1Pod mutated)
    {
        var patch = PodPatch.Create(original, mutated);

        var patched = JsonPatch.Apply(Node(original), patch);

        Assert.Equal(JsonPatch.Canonical(Node(mutated)), JsonPatch.Canonical(patched));
    }

    [Theory]
    [MemberData(nameof(InjectionTests.Cases), MemberType = typeof(InjectionTests))]
    public void ThePatch_AppliedToTheOriginal_GivesTheInjectedPod(string pod, bool native, string capture)
    {
        var original = InjectionTests.Case(pod, capture);

        AssertPatchGives(original, original.Injected(Settings with { NativeSidecars = native }));
    }

    [Fact]
    public void ThePatch_IsEmpty_WhenNothingChanged()
    {
        Assert.Empty(PodPatch.Create(Web(), SidecarInjector.Inject(Web(), Plain(), Settings)));
    }

    [Fact]
    public void ThePatch_AddsMembersTheOriginalLacks_ForTheApiServerRefusesToReplaceThem()
    {
        var original = Bare();

        var patch = PodPatch.Create(original, original.Injected());

        Assert.Contains(patch, op => (string)op!["op"]! == "add" && (string)op["path"]! == "/metadata/annotations");
        Assert.Contains(patch, op => (string)op!["op"]! == "add" && (string)op["path"]! == "/spec/volumes");
        Assert.Contains(patch, op => (string)op!["op"]! == "add" && (string)op["path"]! == "/spec/initContainers");
    }

    [Fact]
    public void ThePatch_EscapesSlashAndTildeInMemberNames()
    {
        var original = Web();
        var mutated = Web().Annotated("example.com/a~b", "1");

        var patch = PodPatch.Create(original, mutated);

        var op = Assert.Single(patch)!;
        Assert.Equal("/metadata/annotations/example.com~1a~0b", (string)op["path"]!);
        AssertPatchGives(original, mutated);
    }

    [Fact]
    public void ThePatch_RemovesAndReplaces_WhatTheMutationDropsOrChanges()
    {
        static V1Pod WithEnv(V1Pod pod) => pod.With(p => p.Spec.Containers[1].Env = [new() { Name = "A", Value = "1" }, new() { Name = "B", Value = "2" }, new() { Name = "C", Value = "3" }]);
        var original = WithEnv(Media());
        var mutated = WithEnv(Media()).With(p =>
        {
            p.Metadata.Labels.Remove("app.kubernetes.io/name");
            p.Spec.Containers[1].Env = [p.Spec.Containers[1].Env[1]];
            p.Spec.Containers[1].Image = "exporter:2";
            p.Spec.Containers.RemoveAt(0);
            p.Spec.Volumes = null;
            p.Spec.Containers[0].Ports.Insert(0, new V1ContainerPort { ContainerPort = 1 });
        });

        var patch = PodPatch.Create(original, mutated);

        Assert.Contains(patch, op => (string)op!["op"]! == "remove" && (string)op["path"]! == "/spec/containers/0");
        AssertPatchGives(original, mutated);
    }

    [Fact]
    public void ThePatch_ReordersNamedItems_Correctly()
    {
        var original = Media();
        var mutated = Media().With(p => p.Spec.Containers = [p.Spec.Containers[1], p.Spec.Containers[0]]);

        AssertPatchGives(original, mutated);
    }

    [Fact]
    public void ThePatch_LeavesFieldsItsModelsDoNotKnow_InTheObjectTheApiServerPatches()
    {
        // The API server patches its own object, which may carry fields newer than this client's models.
        var original = Web();
        var served = Node(original);
        served["spec"]!["containers"]![0]!["futureField"] = "kept";
        served["spec"]!["futureSpecField"] = 3;

        var patched = JsonPatch.Apply(served, PodPatch.Create(original, original.Injected()));

        Assert.Equal("kept", (string)patched["spec"]!["containers"]!.AsArray().Single(c => (string)c!["name"]! == "web")!["futureField"]!);
        Assert.Equal(3, (int)patched["spec"]!["futureSpecField"]!);
        Assert.Equal("lattice-proxy", (string)patched["spec"]!["initContainers"]![1]!["name"]!);
    }
}
