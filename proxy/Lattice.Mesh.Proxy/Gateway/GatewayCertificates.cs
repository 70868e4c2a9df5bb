using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Proxy.Configuration;
using Microsoft.Extensions.Primitives;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// The gateway's public TLS certificates, one per mounted Kubernetes TLS Secret (a subfolder of
/// <see cref="GatewayCertificateOptions.Folder"/> holding <c>tls.crt</c> and <c>tls.key</c>), chosen per connection
/// by SNI (<see cref="Select"/>) and kept current without a restart.
/// <para>
/// Each Secret's pair is validated whole (see <see cref="GatewayCertificateFiles"/>). The certificates in force are
/// indexed by the DNS names of their subject alternative names and published as one immutable index, swapped
/// atomically, after which <see cref="GetChangeToken"/> fires. A bad pair is refused with its reason logged once
/// (naming the Secret's folder and the fix), and that Secret's last good certificate keeps serving; the other Secrets
/// are unaffected. A Secret whose folder is gone is dropped with its hosts.
/// </para>
/// <para>
/// After <see cref="Start"/> the folder and each Secret's folder are watched (<see cref="FileWatch"/>, which sees the
/// kubelet's swap of a Secret volume's <c>..data</c> symlink, since it watches the folder rather than the files) and
/// polled every <see cref="GatewayCertificateOptions.PollInterval"/> as well. Key material is never logged.
/// </para>
/// </summary>
public sealed class GatewayCertificates : IDisposable
{
    private readonly GatewayCertificateOptions _options;
    private readonly string _folder;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _reloading = new();
    private readonly Lock _lifecycle = new();
    private GatewayCertificateIndex _current = GatewayCertificateIndex.Empty;
    private FrozenRefusals _refused = FrozenRefusals.Empty;
    private readonly ChangeSignal _changed = new();
    private readonly Dictionary<string, string> _lastReported = new(StringComparer.Ordinal); // guarded by _reloading
    private readonly HashSet<string> _reportedConflicts = new(StringComparer.Ordinal); // guarded by _reloading
    private string? _folderProblem;
    private FileWatch? _watch;
    private string[] _watched = [];
    private bool _started;
    private volatile bool _disposed;

    /// <exception cref="ArgumentException">The options are unusable; the message lists every problem.</exception>
    public GatewayCertificates(GatewayCertificateOptions options, ILogger<GatewayCertificates> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Folder))
        {
            errors.Add("Folder is empty; set it to the folder holding one subfolder per TLS Secret (tls.crt and tls.key)");
        }

        if (options.PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"PollInterval {options.PollInterval} must be positive; omit it for 5 seconds");
        }

        if (options.ReloadDelay < TimeSpan.Zero)
        {
            errors.Add($"ReloadDelay {options.ReloadDelay} must not be negative; omit it for 100 ms");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"Gateway certificate options are invalid: {string.Join("; ", errors)}.", nameof(options));
        }

        _options = options;
        _folder = Path.GetFullPath(options.Folder);
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Every host name served, exact and wildcard (<c>*.home.local</c>), lower case and sorted.</summary>
    public IReadOnlyCollection<string> Hosts => Volatile.Read(ref _current).Hosts;

    /// <summary>The Secrets whose files in place were refused, with why; each keeps its last good certificate, if it had one.</summary>
    public IReadOnlyDictionary<string, string> Refused => Volatile.Read(ref _refused).BySecret;

    /// <summary>
    /// Fires when a new index is published (a certificate added, replaced or removed). Take the token first, then read:
    /// a change between the two then still fires the token.
    /// </summary>
    public IChangeToken GetChangeToken() => _changed.GetChangeToken();

    /// <summary>
    /// The certificate for a TLS client's SNI name, for Kestrel's <c>ServerCertificateSelector</c>: a certificate that
    /// names the host exactly first, then one whose wildcard covers exactly its first label (<c>*.home.local</c> serves
    /// <c>jellyfin.home.local</c>, not <c>home.local</c> nor <c>a.b.home.local</c>).
    /// <para>
    /// Fails closed: with no name (a client that sends no SNI, such as one connecting by IP address) or no certificate
    /// for the name it returns null, and Kestrel then fails the handshake. Serving some other certificate (a default)
    /// would show the client a certificate for another host: at best a warning it learns to click through, at worst a
    /// hint of which hosts this gateway serves. A client must ask for a host the gateway has a certificate for.
    /// </para>
    /// </summary>
    public X509Certificate2? Select(string? serverName) =>
        string.IsNullOrEmpty(serverName) ? null : Volatile.Read(ref _current).Find(GatewayRoutes.Normalize(serverName))?.Certificate;

    /// <summary>
    /// Like <see cref="Select"/> (same names, same fail-closed null), but with the intermediates that followed the
    /// certificate in <c>tls.crt</c>, which a handshake then sends: for a listener configured with
    /// <c>ListenOptions.UseHttps(TlsHandshakeCallbackOptions)</c>, whose callback sets
    /// <see cref="System.Net.Security.SslServerAuthenticationOptions.ServerCertificateContext"/>. A certificate from
    /// <see cref="Select"/> reaches clients without intermediates that the node's own store lacks, so a publicly
    /// issued chain (Let's Encrypt's, for one) needs this.
    /// </summary>
    public System.Net.Security.SslStreamCertificateContext? SelectContext(string? serverName) =>
        string.IsNullOrEmpty(serverName) ? null : Volatile.Read(ref _current).Find(GatewayRoutes.Normalize(serverName))?.Context;

    /// <summary>
    /// Whether <paramref name="host"/> has a certificate in force that is valid now, for readiness and diagnostics.
    /// Ok with a problem when it is served but its Secret's latest files were refused (the last good certificate
    /// serves); not Ok, with why and the fix, when it has no certificate or the one in force has expired.
    /// </summary>
    public (bool Ok, string? Problem) Check(string host)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var index = Volatile.Read(ref _current);
        var refused = Volatile.Read(ref _refused).BySecret;
        var normalized = GatewayRoutes.Normalize(host);
        if (index.Find(normalized) is not { } certificate)
        {
            var problem = $"no certificate names '{normalized}': no Secret in {_folder} has it, or a wildcard for it, among the DNS names of its certificate; mount a kubernetes.io/tls Secret there whose certificate names it";
            if (Volatile.Read(ref _folderProblem) is { } folderProblem)
            {
                problem += $" (the folder cannot be listed: {folderProblem})";
            }

            if (refused.Count > 0)
            {
                problem += $" (refused: {string.Join("; ", refused.Values)})";
            }

            return (false, problem);
        }

        if (_time.GetUtcNow() >= certificate.NotAfter)
        {
            return (false, $"the certificate for '{normalized}', {certificate}, has expired; renew it and write the new tls.crt and tls.key to the Secret");
        }

        return refused.TryGetValue(certificate.Secret, out var failure)
            ? (true, $"'{normalized}' is served by the last good certificate, {certificate}, because the Secret's new files were refused: {failure}")
            : (true, null);
    }

    /// <summary>
    /// Loads the Secrets once and starts watching and polling them. Never throws for bad or missing files: a host
    /// without a valid certificate has its handshakes refused. Calling it again does nothing.
    /// </summary>
    public void Start()
    {
        lock (_lifecycle)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }

            _started = true;
        }

        // Watch first, then read: a change between the two is then seen by the watcher.
        Rewatch(ListSecrets(out _));
        ReloadAndRewatch();
    }

    /// <summary>
    /// Reads and validates every Secret now. True when the files in place are all in force (newly published or
    /// unchanged); false with every refusal otherwise, in which case each refused Secret keeps its last good certificate.
    /// </summary>
    public bool TryReload(out string failure)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool published;
        lock (_reloading)
        {
            published = Reload();
        }

        if (published)
        {
            Notify();
        }

        var refused = Volatile.Read(ref _refused);
        var folderProblem = Volatile.Read(ref _folderProblem);
        failure = folderProblem is null ? refused.Describe() : $"the folder {_folder} cannot be listed: {folderProblem}";
        return folderProblem is null && refused.BySecret.Count == 0;
    }

    /// <summary>
    /// Stops watching and polling. The certificates are left to the garbage collector, here and when replaced, since a
    /// handshake in flight may still be using one.
    /// </summary>
    public void Dispose()
    {
        lock (_lifecycle)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watch?.Dispose();
            _watch = null;
        }
    }

    /// <summary>True when a new index was published.</summary>
    private bool Reload()
    {
        var current = Volatile.Read(ref _current);
        var secrets = ListSecrets(out var folderProblem);
        if (folderProblem is not null)
        {
            if (!string.Equals(folderProblem, Volatile.Read(ref _folderProblem), StringComparison.Ordinal))
            {
                GatewayCertificateLog.FolderUnreadable(_logger, _folder, folderProblem);
            }

            Volatile.Write(ref _folderProblem, folderProblem);
            return false;
        }

        Volatile.Write(ref _folderProblem, null);
        var inForce = new List<GatewayCertificate>(secrets.Length);
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        var changed = false;
        foreach (var secret in secrets)
        {
            current.BySecret.TryGetValue(secret, out var previous);
            var next = LoadSecret(secret, previous, out var failure);
            if (failure is not null)
            {
                refused[secret] = failure;
                if (!_lastReported.TryGetValue(secret, out var reported) || !string.Equals(reported, failure, StringComparison.Ordinal))
                {
                    _lastReported[secret] = failure;
                    GatewayCertificateLog.Refused(_logger, secret, failure, previous is null ? "its hosts have no certificate" : $"{previous} stays in force");
                }
            }
            else
            {
                _lastReported.Remove(secret);
            }

            if (next is not null)
            {
                inForce.Add(next);
                if (!ReferenceEquals(next, previous))
                {
                    changed = true;
                    GatewayCertificateLog.Loaded(_logger, secret, next.DnsNames, next.Certificate.SerialNumber, next.NotAfter);
                }
            }
        }

        foreach (var (secret, gone) in current.BySecret)
        {
            if (!secrets.Contains(secret, StringComparer.Ordinal))
            {
                changed = true;
                GatewayCertificateLog.Removed(_logger, secret, gone.DnsNames);
            }
        }

        foreach (var secret in _lastReported.Keys.Where(s => !refused.ContainsKey(s)).ToList())
        {
            _lastReported.Remove(secret);
        }

        Volatile.Write(ref _refused, new FrozenRefusals(refused));
        if (!changed)
        {
            return false;
        }

        var index = GatewayCertificateIndex.Build(inForce, out var conflicts);
        foreach (var (host, claimants) in conflicts)
        {
            if (_reportedConflicts.Add($"{host}={string.Join(',', claimants)}"))
            {
                GatewayCertificateLog.HostClaimedTwice(_logger, host, string.Join(", ", claimants), claimants[0]);
            }
        }

        Volatile.Write(ref _current, index);
        return true;
    }

    /// <summary>The Secret's certificate to keep in force: the new one, or <paramref name="previous"/> (with why) when its files are refused.</summary>
    private GatewayCertificate? LoadSecret(string secret, GatewayCertificate? previous, out string? failure)
    {
        var folder = Path.Combine(_folder, secret);
        byte[] chain;
        byte[] key = [];
        try
        {
            chain = File.ReadAllBytes(Path.Combine(folder, GatewayCertificateFiles.CertificateFile));
            key = File.ReadAllBytes(Path.Combine(folder, GatewayCertificateFiles.KeyFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = $"Secret '{secret}' ({folder}): cannot read its files ({e.Message}); it must hold tls.crt and tls.key, readable by the gateway, as a kubernetes.io/tls Secret does";
            return previous;
        }

        try
        {
            var fingerprint = GatewayCertificateFiles.Fingerprint(chain, key);
            if (previous is not null && CryptographicOperations.FixedTimeEquals(fingerprint, previous.Fingerprint))
            {
                // The files in force, read again (a poll, or a rewrite with the same content).
                failure = null;
                return previous;
            }

            if (!GatewayCertificateFiles.TryLoad(secret, folder, chain, key, fingerprint, _time, out var loaded, out var refusal))
            {
                failure = refusal;
                return previous;
            }

            failure = null;
            return loaded;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The Secrets' folder names, sorted; hidden entries (such as a volume's <c>..data</c>) are not Secrets.</summary>
    private string[] ListSecrets(out string? problem)
    {
        try
        {
            problem = null;
            return [.. Directory.EnumerateDirectories(_folder)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(name => !name.StartsWith('.'))
                .Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{e.Message}; mount the TLS Secrets there, one folder per Secret";
            return [];
        }
    }

    /// <summary>Reloads, then watches the Secrets found; again while the set of Secrets changes under it.</summary>
    private void ReloadAndRewatch()
    {
        for (var attempt = 0; attempt < 3 && !_disposed; attempt++)
        {
            TryReload(out _);
            if (!Rewatch(Volatile.Read(ref _current).BySecret.Keys.Concat(Volatile.Read(ref _refused).BySecret.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()))
            {
                return;
            }
        }
    }

    /// <summary>Watches the folder and each Secret's folder; true when that set changed (and so a reload may have missed something).</summary>
    private bool Rewatch(string[] secrets)
    {
        FileWatch? previous;
        lock (_lifecycle)
        {
            if (_disposed || (_watch is not null && _watched.SequenceEqual(secrets, StringComparer.Ordinal)))
            {
                return false;
            }

            previous = _watch;
            _watched = secrets;

            // FileWatch watches the folders of the paths given: the top folder sees Secrets come and go; each Secret's
            // folder sees its ..data swap.
            _watch = new FileWatch(
                [Path.Combine(_folder, GatewayCertificateFiles.CertificateFile), .. secrets.Select(s => Path.Combine(_folder, s, GatewayCertificateFiles.CertificateFile))],
                _options.PollInterval,
                _options.ReloadDelay,
                _time,
                ReloadInBackground,
                (folder, problem) => GatewayCertificateLog.WatchUnavailable(_logger, folder, problem, _options.PollInterval));
        }

        previous?.Dispose();
        return true;
    }

    private void ReloadInBackground()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            ReloadAndRewatch();
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the timer fired: nothing left to reload.
        }
    }

    // A listener's failure must not stop the reload that published, nor the next one.
    private void Notify() => _changed.Notify(e => GatewayCertificateLog.ListenerFailed(_logger, e));

    /// <summary>The refused Secrets of the last reload, published whole like the index.</summary>
    private sealed class FrozenRefusals(IReadOnlyDictionary<string, string> bySecret)
    {
        public static readonly FrozenRefusals Empty = new(new Dictionary<string, string>(StringComparer.Ordinal));

        public IReadOnlyDictionary<string, string> BySecret { get; } = bySecret;

        public string Describe() => string.Join("; ", BySecret.Values);
    }
}
