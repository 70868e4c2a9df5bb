using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// A real Kubernetes v1.20 control plane for the whole test run: etcd, kube-apiserver and kube-controller-manager
/// (deployment, replicaset, garbagecollector, namespace, serviceaccount, serviceaccount-token and
/// clusterrole-aggregation and pvc-protection controllers; no scheduler and no kubelet, so Pods stay Pending) on
/// free loopback ports.
/// The flags are those of tests/k8s/start.sh, the shell reference; the binaries come from tests/k8s/setup.sh.
/// </summary>
/// <remarks>
/// One instance per test assembly (<c>[assembly: AssemblyFixture(typeof(KubernetesCluster))]</c>); tests receive it
/// through their constructor. Test classes run in parallel against the same cluster, so each test works in its own
/// namespace (<see cref="CreateNamespaceAsync"/>). Logs, PKI and kubeconfig are in <see cref="Folder"/>.
/// </remarks>
public sealed partial class KubernetesCluster : IAsyncLifetime
{
    /// <summary>The name of the LatticeService CustomResourceDefinition that <see cref="InstallCrdAsync"/> installs.</summary>
    public const string LatticeServiceCrdName = "latticeservices.lattice.dev";

    /// <summary>The issuer (and the API server's own audience) of service-account tokens.</summary>
    public const string ServiceAccountIssuer = "https://kubernetes.default.svc";

    private const int PortAttempts = 5;
    private const int LogTailLines = 40;
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _apiServerLock = new(1, 1);
    private readonly SemaphoreSlim _crdLock = new(1, 1);
    private readonly HttpClient _etcdHttp = new();
    private volatile bool _crdInstalled;
    private ControlPlaneBinaries? _binaries;
    private ClusterWorkspace? _workspace;
    private ClusterPki? _pki;
    private HttpClient? _apiHttp;
    private k8s.Kubernetes? _client;
    private ControlPlaneProcess? _etcd;
    private ControlPlaneProcess? _apiServer;
    private ControlPlaneProcess? _controllerManager;
    private IReadOnlyList<string> _apiServerArguments = [];
    private string _etcdUrl = "";

    /// <summary>A cluster of the binaries that tests/k8s/setup.sh cached; xunit makes one per run.</summary>
    public KubernetesCluster()
    {
    }

    /// <summary>A cluster of other binaries (for testing how a failed start is reported).</summary>
    internal KubernetesCluster(ControlPlaneBinaries binaries) => _binaries = binaries;

    /// <summary>A client authenticated as admin (system:masters), built from <see cref="KubeconfigPath"/>.</summary>
    public IKubernetes Client => _client ?? throw NotStarted();

    /// <summary>An admin kubeconfig (static token, CA-verified TLS), for kubectl or a product under test.</summary>
    public string KubeconfigPath => Workspace.KubeconfigPath;

    /// <summary>The API server, https://127.0.0.1:PORT; the port stays the same across <see cref="RestartApiServerAsync"/>.</summary>
    public Uri Server { get; private set; } = new("https://127.0.0.1:0");

    /// <summary>The run's folder: etcd.log, kube-apiserver.log, kube-controller-manager.log, pki/, kubeconfig.</summary>
    public string Folder => Workspace.Folder;

    /// <summary>How long <see cref="InitializeAsync"/> took until everything was ready.</summary>
    public TimeSpan StartupDuration { get; private set; }

    private ClusterWorkspace Workspace => _workspace ?? throw NotStarted();

    private ControlPlaneBinaries Binaries => _binaries ?? throw NotStarted();

    private static TimeSpan StartTimeout =>
        int.TryParse(Environment.GetEnvironmentVariable("LATTICE_K8S_START_TIMEOUT"), CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(90);

    public async ValueTask InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        _binaries ??= ControlPlaneBinaries.Locate();
        _workspace = ClusterWorkspace.Create();
        using var deadline = new CancellationTokenSource(StartTimeout);
        try
        {
            // The PKI (three RSA keys) is made while etcd starts: etcd needs none of it.
            var pki = Task.Run(() => ClusterPki.Create(Workspace.PkiFolder), deadline.Token);
            await StartEtcdAsync(deadline.Token);
            _pki = await pki;
            _apiHttp = CreateApiHttpClient(_pki);
            await StartApiServerAsync(deadline.Token);
            WriteKubeconfig(_pki);
            _client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));
            await StartControllerManagerAsync(deadline.Token);
        }
        catch (Exception e)
        {
            await StopAsync();
            throw new InvalidOperationException(
                $"The Kubernetes test cluster did not start: {e.Message}{Environment.NewLine}{DescribeLogs()}", e);
        }

        StartupDuration = stopwatch.Elapsed;
        await File.WriteAllTextAsync(
            Path.Combine(Folder, "ready"),
            string.Create(CultureInfo.InvariantCulture, $"{Server} ready after {StartupDuration.TotalSeconds:0.0} s\n"));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _client?.Dispose();
        _apiHttp?.Dispose();
        _etcdHttp.Dispose();
        _pki?.CaCertificate.Dispose();
        _apiServerLock.Dispose();
        _crdLock.Dispose();
        _workspace?.DeleteEtcdData();
    }

    /// <summary>Runs the cached kubectl (the same v1.20 as the server) against this cluster; at most 60 s.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(params string[] args) =>
        KubectlAsync(args, standardInput: null, CancellationToken.None);

    /// <summary>Runs the cached kubectl against this cluster with <paramref name="standardInput"/> (for <c>-f -</c>); at most 60 s.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(IReadOnlyList<string> args, string? standardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        // Its own discovery cache: the port changes every run, and ~/.kube/cache would collect one folder per run.
        string[] all = [$"--kubeconfig={KubeconfigPath}", $"--cache-dir={Workspace.KubectlCacheFolder}", .. args];
        return CommandRunner.RunAsync(Binaries.Kubectl, all, standardInput, KubectlTimeout, cancellationToken);
    }

    /// <summary>
    /// Creates a namespace named <paramref name="prefix"/>-RANDOM with <paramref name="labels"/>, and waits until its
    /// "default" ServiceAccount and that account's token exist (as on a real cluster, where Pods need them).
    /// </summary>
    /// <returns>The namespace's name.</returns>
    public async Task<string> CreateNamespaceAsync(string prefix, IDictionary<string, string>? labels = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (prefix.Length > 54 || !DnsLabel().IsMatch(prefix))
        {
            throw new ArgumentException($"Namespace prefix '{prefix}' must be a DNS label (lower-case letters, digits, '-') of at most 54 characters.", nameof(prefix));
        }

        var name = $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var body = new V1Namespace
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels is null ? null : new Dictionary<string, string>(labels) },
        };
        await Client.CoreV1.CreateNamespaceAsync(body, cancellationToken: cancellationToken);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        if (!await Poll.UntilAsync(
                $"ServiceAccount {name}/default and its token (made by kube-controller-manager)",
                ct => DefaultServiceAccountHasTokenAsync(name, ct),
                _controllerManager,
                deadline.Token))
        {
            throw new InvalidOperationException($"kube-controller-manager has exited; see {Workspace.LogPath("kube-controller-manager")}.");
        }

        return name;
    }

    /// <summary>
    /// Kills kube-apiserver (SIGKILL: connections and watches break as in a crash) and starts it again on the same port
    /// with the same etcd, so every object survives; returns when /readyz is ok.
    /// </summary>
    /// <remarks>Every test shares this API server: call it only from a test collection with <c>DisableParallelization = true</c>.</remarks>
    public async Task RestartApiServerAsync(CancellationToken cancellationToken = default)
    {
        await _apiServerLock.WaitAsync(cancellationToken);
        try
        {
            var old = _apiServer ?? throw NotStarted();
            await old.KillAsync();
            old.Dispose();
            _apiServer = null;

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(StartTimeout);
            while (true)
            {
                var apiServer = StartProgram("kube-apiserver", Binaries.ApiServer, _apiServerArguments);
                _apiServer = apiServer;
                try
                {
                    if (await Poll.UntilAsync("kube-apiserver /readyz after restart", ReadyzAsync, apiServer, deadline.Token))
                    {
                        return;
                    }
                }
                catch (TimeoutException e)
                {
                    throw new TimeoutException($"{e.Message}; {apiServer.LogPath}:{Environment.NewLine}{apiServer.LogTail(LogTailLines)}", e);
                }

                // Go listens with SO_REUSEADDR, so the old server's port is free at once; only another process holding
                // it makes this fail, and the port is ours to wait for.
                var inUse = await apiServer.FailedOnAddressInUseAsync();
                var tail = apiServer.LogTail(LogTailLines);
                apiServer.Dispose();
                _apiServer = null;
                if (!inUse)
                {
                    throw new InvalidOperationException($"kube-apiserver exited after the restart; {apiServer.LogPath}:{Environment.NewLine}{tail}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
        }
        finally
        {
            _apiServerLock.Release();
        }
    }

    /// <summary>
    /// A token for <paramref name="serviceAccount"/> (which must exist; "default" does in every namespace from
    /// <see cref="CreateNamespaceAsync"/>) in <paramref name="ns"/> with audience <paramref name="audience"/>, from the
    /// TokenRequest API, as the kubelet projects it into a Pod. Valid for an hour.
    /// </summary>
    public async Task<string> ServiceAccountTokenAsync(string ns, string serviceAccount, string audience, CancellationToken cancellationToken = default)
    {
        var request = new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = [audience] } };
        var response = await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, serviceAccount, ns, cancellationToken: cancellationToken);
        return response.Status?.Token ?? throw new InvalidOperationException($"TokenRequest for {ns}/{serviceAccount} returned no token");
    }

    /// <summary>
    /// Applies deploy/crd/latticeservice.yaml with kubectl and waits until it is Established and its schema is
    /// published in /openapi/v2 (which kubectl validates against). Done once per run; safe to call from every test.
    /// </summary>
    public async Task InstallCrdAsync(CancellationToken cancellationToken = default)
    {
        if (_crdInstalled)
        {
            return;
        }

        await _crdLock.WaitAsync(cancellationToken);
        try
        {
            if (_crdInstalled)
            {
                return;
            }

            var path = Path.Combine(Repository.Deploy, "crd", "latticeservice.yaml");
            await KubectlOrThrowAsync(["apply", "-f", path], cancellationToken);
            await KubectlOrThrowAsync(["wait", "--for=condition=Established", "--timeout=60s", $"customresourcedefinition/{LatticeServiceCrdName}"], cancellationToken);

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(60));
            await Poll.UntilAsync(
                "the LatticeService schema in /openapi/v2",
                async ct => (await ApiHttp.GetStringAsync(new Uri(Server, "/openapi/v2"), ct)).Contains("\"dev.lattice.v1alpha1.LatticeService\"", StringComparison.Ordinal),
                process: null,
                deadline.Token,
                probeTimeout: TimeSpan.FromSeconds(10));
            _crdInstalled = true;
        }
        finally
        {
            _crdLock.Release();
        }
    }

    /// <summary>Installs the CRD again after a test removed it (the uninstall test): later tests find it as before.</summary>
    public async Task ReinstallCrdAsync(CancellationToken cancellationToken = default)
    {
        await _crdLock.WaitAsync(cancellationToken);
        _crdInstalled = false;
        _crdLock.Release();
        await InstallCrdAsync(cancellationToken);
    }

    private HttpClient ApiHttp => _apiHttp ?? throw NotStarted();

    private static InvalidOperationException NotStarted() => new("The Kubernetes test cluster is not running.");

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    private async Task StartEtcdAsync(CancellationToken deadline)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (clientPort, peerPort) = LoopbackPort.FreePair();
            Workspace.DeleteEtcdData();
            var clientUrl = $"http://127.0.0.1:{clientPort}";
            var peerUrl = $"http://127.0.0.1:{peerPort}";
            var etcd = StartProgram("etcd", Binaries.Etcd,
            [
                "--name=default",
                $"--data-dir={Workspace.EtcdDataFolder}",
                $"--listen-client-urls={clientUrl}",
                $"--advertise-client-urls={clientUrl}",
                $"--listen-peer-urls={peerUrl}",
                $"--initial-advertise-peer-urls={peerUrl}",
                $"--initial-cluster=default={peerUrl}",
                // One member has no one to wait for: campaign after 0.1 s rather than the default 1 s.
                "--heartbeat-interval=10",
                "--election-timeout=100",
                "--logger=zap",
                "--log-level=warn",
            ]);
            _etcd = etcd;

            // Healthy, and really ours: another process could have taken the port first, so check our peer URL too.
            async Task<bool> ReadyAsync(CancellationToken ct)
            {
                var health = await _etcdHttp.GetStringAsync(new Uri($"{clientUrl}/health"), ct);
                if (!health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return false;
                }

                using var members = await _etcdHttp.PostAsync(new Uri($"{clientUrl}/v3/cluster/member/list"), new StringContent("{}"), ct);
                return (await members.Content.ReadAsStringAsync(ct)).Contains($"\"{peerUrl}\"", StringComparison.Ordinal);
            }

            if (await Poll.UntilAsync($"etcd on {clientUrl}", ReadyAsync, etcd, deadline))
            {
                _etcdUrl = clientUrl;
                return;
            }

            var inUse = await etcd.FailedOnAddressInUseAsync();
            etcd.Dispose();
            _etcd = null;
            if (!inUse || attempt == PortAttempts)
            {
                throw new InvalidOperationException($"etcd exited (attempt {attempt} of {PortAttempts}{(inUse ? ", address already in use" : "")}).");
            }
        }
    }

    private async Task StartApiServerAsync(CancellationToken deadline)
    {
        var pki = _pki ?? throw NotStarted();
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPort.Free();
            Server = new Uri($"https://127.0.0.1:{port}");
            _apiServerArguments =
            [
                $"--etcd-servers={_etcdUrl}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                $"--secure-port={port}",
                $"--tls-cert-file={pki.ServingCertificatePath}",
                $"--tls-private-key-file={pki.ServingKeyPath}",
                $"--token-auth-file={pki.TokenFilePath}",
                "--authorization-mode=RBAC",
                // TokenRequest (projected tokens for any audience, e.g. lattice-mesh) needs an issuer and a signing key.
                // The API server itself accepts only tokens for its own audience, the issuer.
                $"--service-account-issuer={ServiceAccountIssuer}",
                $"--api-audiences={ServiceAccountIssuer}",
                $"--service-account-key-file={pki.ServiceAccountPublicKeyPath}",
                $"--service-account-signing-key-file={pki.ServiceAccountKeyPath}",
                "--service-cluster-ip-range=10.96.0.0/16",
                // The "kubernetes" Service's Endpoints would be 127.0.0.1, which Endpoints validation rejects forever.
                "--endpoint-reconciler-type=none",
                $"--cert-dir={pki.Folder}",
                "--v=1",
            ];
            var apiServer = StartProgram("kube-apiserver", Binaries.ApiServer, _apiServerArguments);
            _apiServer = apiServer;

            // Only our API server accepts our token, so a foreign listener on the port cannot pass this.
            if (await Poll.UntilAsync($"kube-apiserver /readyz on {Server}", ReadyzAsync, apiServer, deadline))
            {
                return;
            }

            var inUse = await apiServer.FailedOnAddressInUseAsync();
            apiServer.Dispose();
            _apiServer = null;
            if (!inUse || attempt == PortAttempts)
            {
                throw new InvalidOperationException($"kube-apiserver exited (attempt {attempt} of {PortAttempts}{(inUse ? ", address already in use" : "")}).");
            }
        }
    }

    private async Task StartControllerManagerAsync(CancellationToken deadline)
    {
        var pki = _pki ?? throw NotStarted();
        _controllerManager = StartProgram("kube-controller-manager", Binaries.ControllerManager,
        [
            $"--kubeconfig={KubeconfigPath}",
            // clusterrole-aggregation: without it the built-in admin/edit/view ClusterRoles have no rules.
            "--controllers=deployment,replicaset,garbagecollector,namespace,serviceaccount,serviceaccount-token,clusterrole-aggregation,pvc-protection",
            $"--service-account-private-key-file={pki.ServiceAccountKeyPath}",
            $"--root-ca-file={pki.CaCertificatePath}",
            "--use-service-account-credentials=false",
            // A single instance: no lease to wait for.
            "--leader-elect=false",
            // No health endpoints: no fixed ports (10252/10257) to collide on, no self-signed cert in /var/run/kubernetes.
            "--port=0",
            "--secure-port=0",
            "--v=1",
        ]);
        if (!await Poll.UntilAsync(
                "ServiceAccount default/default and its token (made by kube-controller-manager)",
                ct => DefaultServiceAccountHasTokenAsync("default", ct),
                _controllerManager,
                deadline))
        {
            throw new InvalidOperationException("kube-controller-manager exited.");
        }
    }

    private async Task<bool> DefaultServiceAccountHasTokenAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            var account = await Client.CoreV1.ReadNamespacedServiceAccountAsync("default", ns, cancellationToken: cancellationToken);
            return account.Secrets is { Count: > 0 };
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<bool> ReadyzAsync(CancellationToken cancellationToken)
    {
        using var response = await ApiHttp.GetAsync(new Uri(Server, "/readyz"), cancellationToken);
        return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync(cancellationToken)).Trim() == "ok";
    }

    /// <summary>Runs kubectl against this cluster and returns its output; throws, with what it printed, when it fails.</summary>
    public async Task<string> KubectlOrThrowAsync(string[] args, CancellationToken cancellationToken)
    {
        var (exitCode, stdout, stderr) = await KubectlAsync(args, standardInput: null, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kubectl {string.Join(' ', args)} exited with {exitCode}:{Environment.NewLine}{stderr}{stdout}");
        }

        return stdout;
    }

    private ControlPlaneProcess StartProgram(string name, string fileName, IEnumerable<string> arguments)
    {
        var process = ControlPlaneProcess.Start(fileName, arguments, Workspace.LogPath(name));
        Workspace.RecordPid(name, process.Id);
        return process;
    }

    /// <summary>Kills the control plane, newest first.</summary>
    private async Task StopAsync()
    {
        foreach (var process in new[] { _controllerManager, _apiServer, _etcd })
        {
            if (process is not null)
            {
                await process.KillAsync();
                process.Dispose();
            }
        }

        (_controllerManager, _apiServer, _etcd) = (null, null, null);
    }

    private HttpClient CreateApiHttpClient(ClusterPki pki)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(pki.CaCertificate);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        var http = new HttpClient(handler);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", pki.AdminToken);
        return http;
    }

    private void WriteKubeconfig(ClusterPki pki)
    {
        var kubeconfig = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: lattice-test
              cluster:
                server: {Server.GetLeftPart(UriPartial.Authority)}
                certificate-authority: {pki.CaCertificatePath}
            users:
            - name: admin
              user:
                token: {pki.AdminToken}
            contexts:
            - name: lattice-test
              context:
                cluster: lattice-test
                user: admin
            current-context: lattice-test

            """;
        File.WriteAllText(KubeconfigPath, kubeconfig);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(KubeconfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private string DescribeLogs()
    {
        if (_workspace is null)
        {
            return "";
        }

        var text = new StringBuilder($"Logs are in {_workspace.Folder}.");
        foreach (var name in (string[])["etcd", "kube-apiserver", "kube-controller-manager"])
        {
            var path = _workspace.LogPath(name);
            if (File.Exists(path))
            {
                text.AppendLine().Append(CultureInfo.InvariantCulture, $"--- last {LogTailLines} lines of {path} ---").AppendLine();
                text.Append(ControlPlaneProcess.Tail(File.ReadAllText(path), LogTailLines));
            }
        }

        return text.ToString();
    }
}
