using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Reconciling;

/// <summary>
/// Leader election on a Lease (<c>lattice-system/lattice-mesh-controller</c>) with KubernetesClient's LeaderElector,
/// so that two controller replicas are safe: both watch, compile and issue certificates; only the leader applies
/// workloads, writes status and streams route tables. Losing the lease stops the writing at once; the loop keeps
/// trying to win it back.
/// </summary>
public sealed partial class Leadership
{
    public const string LeaseName = "lattice-mesh-controller";

    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _identity;
    private readonly LeaderElectionTimings _timings;
    private readonly ILogger _logger;
    private volatile bool _leading;

    public Leadership(IKubernetes client, string ns, string identity, LeaderElectionTimings timings, ILogger<Leadership> logger)
    {
        _client = client;
        _namespace = ns;
        _identity = identity;
        _timings = timings;
        _logger = logger;
    }

    public event Action<bool>? Changed;

    public bool IsLeader => _leading;

    public string Identity => _identity;

    public async Task RunAsync(CancellationToken stopping)
    {
        var config = new LeaderElectionConfig(new LeaseLock(_client, _namespace, LeaseName, _identity))
        {
            LeaseDuration = _timings.LeaseDuration,
            RenewDeadline = _timings.RenewDeadline,
            RetryPeriod = _timings.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        elector.OnStartedLeading += () => Set(true);
        elector.OnStoppedLeading += () => Set(false);
        elector.OnError += e => Log.ElectionError(_logger, e.Message);
        try
        {
            // Acquire, lead until the lease is lost, and start over. The elector's own loop ends on an error such as
            // the API server refusing connections while it restarts; this one only ends when the controller stops.
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await elector.RunUntilLeadershipLostAsync(stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException && e is HttpRequestException or IOException or k8s.Autorest.HttpOperationException or KubernetesException)
                {
                    Log.ElectionError(_logger, e.Message);
                }

                Set(false);
                await Task.Delay(_timings.RetryPeriod, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the lease runs out by itself and another replica takes over.
        }
        finally
        {
            Set(false);
        }
    }

    private void Set(bool leading)
    {
        if (_leading == leading)
        {
            return;
        }

        _leading = leading;
        Log.Leadership(_logger, _identity, leading ? "leads" : "no longer leads");
        Changed?.Invoke(leading);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "{Identity} {What} the mesh")]
        public static partial void Leadership(ILogger logger, string identity, string what);

        [LoggerMessage(EventId = 5402, Level = LogLevel.Warning, Message = "Leader election: {Reason}")]
        public static partial void ElectionError(ILogger logger, string reason);
    }
}

/// <summary>Lease timings; Kubernetes' own controllers use 15 s, 10 s and 2 s.</summary>
public sealed record LeaderElectionTimings
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}
