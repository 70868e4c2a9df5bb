using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// A short job for a small (2-core) machine, about a minute for both methods. Five warmups because the baseline
/// settles only after a few (tiering, and the first full GCs of its large dictionaries). Run in this process
/// because the default toolchain builds a generated project whose references (the compiler and the route
/// table) land in their own bin/obj folders, outside any --artifacts-path, where they would collide with
/// concurrent builds of the repository.
/// </summary>
internal sealed class InProcessConfig : ManualConfig
{
    public InProcessConfig() =>
        AddJob(Job.Default
            .WithWarmupCount(5)
            .WithIterationCount(10)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("InProcess"));
}
