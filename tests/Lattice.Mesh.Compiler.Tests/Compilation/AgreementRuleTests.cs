using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using static Lattice.Mesh.Compiler.Tests.Build;

namespace Lattice.Mesh.Compiler.Tests.Compilation;

public sealed class AgreementRuleTests
{
    private static readonly ServiceId A = new("apps", "a");
    private static readonly ServiceId B = new("apps", "b");

    [Theory]
    [InlineData(Direction.Outbound, Direction.Inbound, true, false)]
    [InlineData(Direction.Both, Direction.Inbound, true, false)]
    [InlineData(Direction.Outbound, Direction.Both, true, false)]
    [InlineData(Direction.Both, Direction.Both, true, true)]
    [InlineData(Direction.Inbound, Direction.Outbound, false, true)]
    [InlineData(Direction.Inbound, Direction.Inbound, false, false)]
    [InlineData(Direction.Outbound, Direction.Outbound, false, false)]
    public void Allows_OnlyWhatBothSidesDeclared(Direction aDeclaresB, Direction bDeclaresA, bool aMayCallB, bool bMayCallA)
    {
        var mesh = MeshCompiler.Compile([Service("apps", "a", Dependency("b", aDeclaresB)), Service("apps", "b", Dependency("a", bDeclaresA))]);

        Assert.Equal(aMayCallB, mesh.Graph.Explain(A, B).Allowed);
        Assert.Equal(bMayCallA, mesh.Graph.Explain(B, A).Allowed);
        Assert.Equal(aMayCallB, mesh.RouteTables[A].Outbound.Any(d => d.Service == "apps/b"));
        Assert.Equal(aMayCallB, mesh.RouteTables[B].Inbound.Any(c => c.Service == "apps/a"));
        Assert.Equal(bMayCallA, mesh.RouteTables[B].Outbound.Any(d => d.Service == "apps/a"));
    }

    [Fact]
    public void OneSidedDeclaration_IsPending_WithTheMissingSideAndTheFix()
    {
        var mesh = MeshCompiler.Compile([Service("media", "sonarr"), Service("media", "nzbget", Dependency("sonarr", Direction.Outbound))]);

        var pending = Assert.Single(mesh.Graph.Pending);
        Assert.Equal((new ServiceId("media", "nzbget"), new ServiceId("media", "sonarr")), (pending.Caller, pending.Callee));
        Assert.Equal(MissingSide.CalleeInbound, pending.Missing);
        Assert.Equal("sonarr declares no inbound from nzbget", pending.Reason);
        Assert.Equal("add resources.nzbget {type: service, direction: inbound} to media/sonarr", pending.Fix);
    }

    [Fact]
    public void InboundOnlyDeclaration_IsPending_AskingTheCallerForOutbound()
    {
        var mesh = MeshCompiler.Compile([Service("media", "sonarr"), Service("media", "nzbget", Dependency("sonarr", Direction.Inbound))]);

        var pending = Assert.Single(mesh.Graph.Pending);
        Assert.Equal(MissingSide.CallerOutbound, pending.Missing);
        Assert.Equal("sonarr declares no outbound to nzbget", pending.Reason);
        Assert.Equal("add resources.nzbget {type: service, direction: outbound} to media/sonarr", pending.Fix);
    }

    [Fact]
    public void Fix_SaysChangeDirection_WhenTheOtherSideDeclaresTheServiceTheOtherWay()
    {
        var mesh = MeshCompiler.Compile([Service("apps", "a", Dependency("b", Direction.Outbound)), Service("apps", "b", Dependency("a", Direction.Outbound))]);

        var fixes = mesh.Graph.Pending.Select(p => p.Fix).Order().ToList();
        Assert.Equal(["change resources.a.direction from outbound to both on apps/b", "change resources.b.direction from outbound to both on apps/a"], fixes);
    }

    [Fact]
    public void CrossNamespace_NeedsNamespaceOnBothSides()
    {
        var caller = Service("frontend", "web", Dependency("api", Direction.Outbound, ns: "backend"));
        var callee = Service("backend", "api", Dependency("web", Direction.Inbound, ns: "frontend"));
        var sameNameWrongNamespace = Service("backend", "web");

        var mesh = MeshCompiler.Compile([caller, callee, sameNameWrongNamespace]);

        Assert.True(mesh.Graph.Explain(new("frontend", "web"), new("backend", "api")).Allowed);
        Assert.False(mesh.Graph.Explain(new("backend", "web"), new("backend", "api")).Allowed);
        Assert.Equal(["frontend/web"], mesh.RouteTables[new("backend", "api")].Inbound.Select(c => c.Service));
    }

    [Fact]
    public void CrossNamespace_WithoutNamespaceOnTheCallee_IsPending_AndTheFixNamesTheNamespace()
    {
        var caller = Service("frontend", "web", Dependency("api", Direction.Outbound, ns: "backend"));
        var callee = Service("backend", "api", Dependency("web", Direction.Inbound)); // means backend/web, which does not exist

        var mesh = MeshCompiler.Compile([caller, callee]);

        Assert.False(mesh.Graph.Explain(new("frontend", "web"), new("backend", "api")).Allowed);
        var calleeMissing = Assert.Single(mesh.Graph.Pending, p => p.Caller == new ServiceId("frontend", "web"));
        Assert.Equal("backend/api declares no inbound from frontend/web", calleeMissing.Reason);
        Assert.Equal("add resources.web {type: service, direction: inbound, namespace: frontend} to backend/api", calleeMissing.Fix);
        var serviceMissing = Assert.Single(mesh.Graph.Pending, p => p.Caller == new ServiceId("backend", "web"));
        Assert.Equal(MissingSide.ServiceMissing, serviceMissing.Missing);
        Assert.Equal("there is no LatticeService backend/web", serviceMissing.Reason);
    }

    [Fact]
    public void ServiceNamingItself_WithBoth_MayCallItself()
    {
        var mesh = MeshCompiler.Compile([Service("apps", "a", Dependency("a", Direction.Both))]);

        Assert.True(mesh.Graph.Explain(A, A).Allowed);
        Assert.Equal(["apps/a"], mesh.RouteTables[A].Outbound.Select(d => d.Service));
        Assert.Empty(mesh.Graph.Pending);
    }

    [Fact]
    public void ServiceNamingItself_OutboundOnly_IsPending_AndTheFixIsBoth()
    {
        var mesh = MeshCompiler.Compile([Service("apps", "a", Dependency("a", Direction.Outbound))]);

        var pending = Assert.Single(mesh.Graph.Pending);
        Assert.Equal("a declares no inbound from itself", pending.Reason);
        Assert.Equal("change resources.a.direction from outbound to both on apps/a", pending.Fix);
        Assert.False(mesh.Graph.Explain(A, A).Allowed);
    }

    [Fact]
    public void DeclarationOfAMissingService_IsPending_AndSaysToCreateIt()
    {
        var mesh = MeshCompiler.Compile([Service("media", "sonarr", Dependency("radarr", Direction.Outbound))]);

        var pending = Assert.Single(mesh.Graph.Pending);
        Assert.Equal(MissingSide.ServiceMissing, pending.Missing);
        Assert.Equal("there is no LatticeService media/radarr", pending.Reason);
        Assert.StartsWith("create LatticeService media/radarr with resources.sonarr {type: service, direction: inbound}", pending.Fix, StringComparison.Ordinal);
        Assert.False(mesh.Graph.Explain(new("media", "sonarr"), new("media", "radarr")).Allowed);
    }

    [Fact]
    public void DuplicateServices_AreErrorsNamingBothFiles_AndNeitherIsUsed_WhileOthersCompile()
    {
        var first = Service("apps", "a", Dependency("b", Direction.Outbound)) with { Source = new("first.yaml", 3, 1) };
        var second = Service("apps", "a") with { Source = new("second.yaml", 7, 1) };
        var other = Service("apps", "b", Dependency("a", Direction.Inbound));

        var mesh = MeshCompiler.Compile([first, second, other]);

        var errors = mesh.Diagnostics.Where(d => d.Id == DiagnosticIds.DuplicateService).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Location?.File == "first.yaml" && e.Message.Contains("second.yaml:7:1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Location?.File == "second.yaml" && e.Message.Contains("first.yaml:3:1", StringComparison.Ordinal));
        Assert.Contains(A, mesh.Failed);
        Assert.False(mesh.RouteTables.ContainsKey(A));
        Assert.True(mesh.RouteTables.ContainsKey(B));
    }

    [Fact]
    public void EmptyInput_CompilesToAnEmptyMesh()
    {
        var mesh = MeshCompiler.Compile([]);

        Assert.Empty(mesh.Graph.Services);
        Assert.Empty(mesh.Graph.Agreements);
        Assert.Empty(mesh.RouteTables);
        Assert.Empty(mesh.Diagnostics);
    }

    [Fact]
    public void Explain_NamesAMissingService()
    {
        var mesh = MeshCompiler.Compile([Service("apps", "a")]);

        var decision = mesh.Graph.Explain(A, B);
        Assert.False(decision.Allowed);
        Assert.Equal("there is no LatticeService apps/b", decision.Reason);
    }

    [Fact]
    public void Policies_ComeFromTheRightSide_CallerRetriesAndCalleeRateLimit()
    {
        var retries = new RouteTable.RetryPolicy { Attempts = 2, RetryOn = [RouteTable.RetryCondition.GatewayError] };
        var a = Service("apps", "a", Dependency("b", Direction.Outbound, retries: retries, rateLimit: new RateLimitSpec(5, 1, null)));
        var b = Service("apps", "b", Dependency("a", Direction.Inbound, retries: new RouteTable.RetryPolicy { Attempts = 9, RetryOn = [RouteTable.RetryCondition.Reset] }, rateLimit: new RateLimitSpec(50, 60, 10)));

        var agreement = Assert.Single(MeshCompiler.Compile([a, b]).Graph.Agreements);

        Assert.Equal(retries, agreement.Retries);
        Assert.Equal(new RateLimitSpec(50, 60, 10), agreement.RateLimit);
    }
}
