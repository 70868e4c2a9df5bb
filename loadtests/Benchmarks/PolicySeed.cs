using System.Runtime.CompilerServices;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.Proxy.Outbound;
using Lattice.Mesh.Proxy.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// The inputs of the policy benchmarks: examples/media-server compiled by the real compiler, and a service's table
/// turned into the sidecar's <see cref="ProxySnapshot"/> by the real <see cref="ProxySnapshotBuilder"/> (its peer
/// clients are built but never connect, so the certificate store is never started).
/// </summary>
internal sealed class PolicySeed : IDisposable
{
    private readonly MeshCertificateStore _certificates;
    private readonly ProxySnapshotBuilder _builder;

    public PolicySeed()
    {
        var set = ManifestLoader.Load(MediaServer());
        if (set.HasErrors)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, set.Diagnostics));
        }

        Compilation = MeshCompiler.Compile(set.Services, CompilerOptions.Default);
        if (Compilation.HasErrors)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, Compilation.Diagnostics));
        }

        var unused = Path.Combine(Path.GetTempPath(), "lattice-policy-bench");
        _certificates = new MeshCertificateStore(MeshCertificateOptions.InFolder(unused), NullLogger<MeshCertificateStore>.Instance);
        var options = new ProxyOptions
        {
            RouteTablePath = Path.Combine(unused, "routes.json"),
            CertificatePath = Path.Combine(unused, "tls.crt"),
            KeyPath = Path.Combine(unused, "tls.key"),
            TrustBundlePath = Path.Combine(unused, "ca.crt"),
        };
        _builder = new ProxySnapshotBuilder(new PeerClientFactory(_certificates, RetryOptions.Default, options, TimeProvider.System, NullLogger<ForwarderHttpClientFactory>.Instance), options);
    }

    public MeshCompilation Compilation { get; }

    /// <summary>The route table the compiler made for media/<paramref name="name"/>.</summary>
    public RouteTable.RouteTable Table(string name) => Compilation.RouteTables[new ServiceId("media", name)];

    /// <summary>media/<paramref name="name"/>'s sidecar state, as its sidecar builds it from its table.</summary>
    public ProxySnapshot Snapshot(string name) => _builder.Build(Table(name), previous: null);

    public void Dispose() => _certificates.Dispose();

    /// <summary>examples/media-server, found above the working directory or, failing that, above this source file.</summary>
    private static string MediaServer([CallerFilePath] string thisFile = "")
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory, Path.GetDirectoryName(thisFile) ?? "." })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Lattice.Mesh.sln")))
                {
                    return Path.Combine(dir.FullName, "examples", "media-server");
                }
            }
        }

        throw new InvalidOperationException("Lattice.Mesh.sln not found above the working directory; run from the repository");
    }
}
