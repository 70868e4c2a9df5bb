using System.Reflection;
using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable.Tests;

public sealed class RetryConditionNamesTests
{
    [Fact]
    public void EveryCondition_HasOneName_AndItIsTheNameJsonWrites()
    {
        foreach (var condition in Enum.GetValues<RetryCondition>())
        {
            var json = typeof(RetryCondition).GetField(condition.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name;
            Assert.Equal(json, RetryConditionNames.Name(condition));
            Assert.Equal(condition, RetryConditionNames.ByName[json]);
        }

        Assert.Equal(Enum.GetValues<RetryCondition>().Length, RetryConditionNames.ByName.Count);
        Assert.Equal("5xx, gateway-error, connect-failure, reset, retriable-4xx", RetryConditionNames.All);
    }
}
