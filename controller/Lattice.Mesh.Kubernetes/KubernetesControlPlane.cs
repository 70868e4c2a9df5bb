using k8s;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Kubernetes.Certificates;
using Lattice.Mesh.Kubernetes.Reconciling;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes;

/// <summary>How <c>lattice-mesh controller</c> runs in a cluster.</summary>
public sealed record ControlPlaneOptions
{
    /// <summary>Where the controller keeps its CA Secrets and its leader Lease, and runs the ingress gateway (whose identity is therefore <c>&lt;namespace&gt;/lattice-gateway</c>).</summary>
    public string Namespace { get; init; } = Labels.SystemNamespace;

    /// <summary>This replica's name in the Lease (the pod name in a cluster).</summary>
    public string Identity { get; init; } = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;

    public ReconcilerOptions Reconciler { get; init; } = new();

    public LeaderElectionTimings Election { get; init; } = new();
}

/// <summary>
/// The controller's Kubernetes half, running: the mesh CA from its Secret, the LatticeService watch, the reconciler
/// and leader election, wired together. The push and certificate endpoints are served beside it (see the CLI's
/// controller server) from <see cref="Distributor"/>, <see cref="Authority"/> and <see cref="Authenticator"/>.
/// </summary>
public sealed class KubernetesControlPlane : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    private KubernetesControlPlane(MeshCertificateAuthority authority, LatticeServiceWatch watch, MeshReconciler reconciler, Leadership leadership, IWorkloadAuthenticator authenticator, RouteTableDistributor distributor)
    {
        Authority = authority;
        Watch = watch;
        Reconciler = reconciler;
        Leadership = leadership;
        Authenticator = authenticator;
        Distributor = distributor;
    }

    public MeshCertificateAuthority Authority { get; }

    public LatticeServiceWatch Watch { get; }

    public MeshReconciler Reconciler { get; }

    public Leadership Leadership { get; }

    public IWorkloadAuthenticator Authenticator { get; }

    public RouteTableDistributor Distributor { get; }

    public static async Task<KubernetesControlPlane> StartAsync(IKubernetes client, ControlPlaneOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var authority = await AuthoritySecret.LoadOrCreateAsync(client, options.Namespace, loggers.CreateLogger(typeof(AuthoritySecret)), cancellationToken);
        var distributor = new RouteTableDistributor();
        var watch = new LatticeServiceWatch(client, loggers.CreateLogger<LatticeServiceWatch>(), options.Reconciler.WatchNamespace);
        // The gateway runs in the controller's namespace, so that is where its identity (its ServiceAccount) is.
        var compiler = options.Reconciler.Compiler with { Gateway = new ServiceId(options.Namespace, options.Reconciler.Compiler.Gateway.Name) };
        var reconciler = new MeshReconciler(client, watch, distributor, options.Reconciler with { TrustBundlePem = authority.CertificatePem, Compiler = compiler }, loggers.CreateLogger<MeshReconciler>());
        var leadership = new Leadership(client, options.Namespace, options.Identity, options.Election, loggers.CreateLogger<Leadership>());
        leadership.Changed += leading => reconciler.IsLeader = leading;
        var plane = new KubernetesControlPlane(authority, watch, reconciler, leadership, new TokenReviewAuthenticator(client, loggers.CreateLogger<TokenReviewAuthenticator>()), distributor);
        var stopping = plane._stopping.Token;
        plane._loops.Add(Task.Run(() => watch.RunAsync(stopping), CancellationToken.None));
        plane._loops.Add(Task.Run(() => reconciler.RunAsync(stopping), CancellationToken.None));
        plane._loops.Add(Task.Run(() => leadership.RunAsync(stopping), CancellationToken.None));
        return plane;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stopping.Dispose();
        Reconciler.Dispose();
        Authority.Dispose();
    }
}
