namespace Lattice.Mesh.RouteTable.Tests;

public sealed class RateLimitPolicyTests
{
    [Theory]
    [InlineData(1000, 3, 334)]
    [InlineData(100, 1, 100)]
    [InlineData(100, 2, 50)]
    [InlineData(101, 2, 51)]
    [InlineData(1, 5, 1)]
    [InlineData(0, 3, 1)]
    [InlineData(int.MaxValue, 2, 1073741824)]
    public void Divide_GivesEachReplicaTheCeilingOfItsShare(int limit, int replicas, int perReplica)
    {
        var policy = RateLimitPolicy.Divide(limit, intervalSeconds: 60, burst: null, replicas);

        Assert.Equal(limit, policy.RequestsPerInterval);
        Assert.Equal(60, policy.IntervalSeconds);
        Assert.Equal(replicas, policy.Replicas);
        Assert.Equal(perReplica, policy.PerReplicaRequestsPerInterval);
    }

    [Fact]
    public void Divide_DefaultsTheBurstToTheLimit()
    {
        var policy = RateLimitPolicy.Divide(1000, 60, burst: null, replicas: 3);

        Assert.Equal(1000, policy.Burst);
        Assert.Equal(334, policy.PerReplicaBurst);
    }

    [Fact]
    public void Divide_DividesADeclaredBurst()
    {
        var policy = RateLimitPolicy.Divide(1000, 60, burst: 50, replicas: 3);

        Assert.Equal(50, policy.Burst);
        Assert.Equal(17, policy.PerReplicaBurst);
        Assert.Equal(334, policy.PerReplicaRequestsPerInterval);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void Divide_CountsNoReplicasAsOne(int replicas)
    {
        var policy = RateLimitPolicy.Divide(100, 1, burst: 10, replicas);

        Assert.Equal(1, policy.Replicas);
        Assert.Equal(100, policy.PerReplicaRequestsPerInterval);
        Assert.Equal(10, policy.PerReplicaBurst);
    }

    [Fact]
    public void Divide_NeverAllowsLessThanOnePerReplica()
    {
        var policy = RateLimitPolicy.Divide(1, 1, burst: 1, replicas: 5);

        Assert.Equal(1, policy.PerReplicaRequestsPerInterval);
        Assert.Equal(1, policy.PerReplicaBurst);
    }

    [Theory]
    [InlineData(1000, 3)]
    [InlineData(7, 7)]
    [InlineData(1, 5)]
    public void Divide_ProducesWhatTheValidatorAccepts(int limit, int replicas)
    {
        var table = SonarrTable.Unstamped().WithReplicas(replicas).WithInbound(0, c => c with { RateLimit = RateLimitPolicy.Divide(limit, 60, null, replicas) });

        Assert.Empty(RouteTableValidator.Validate(RouteTableRevision.Stamp(table)));
    }
}
