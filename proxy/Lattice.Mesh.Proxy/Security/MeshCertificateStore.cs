using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Primitives;
using Lattice.Mesh.Proxy.Configuration;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// This workload's mesh certificates, kept current from three PEM files (certificate chain, private key, trust
/// bundle). Every load is validated whole: the key matches the certificate, the certificate is valid now, chains
/// to the bundle and carries a SPIFFE id. A good load is published as a new immutable
/// <see cref="MeshCertificateSnapshot"/> (swapped atomically, then <see cref="GetChangeToken"/> fires); a bad
/// one is refused, logged once, and the last good snapshot keeps serving. After <see cref="Start"/> the files are
/// watched (<see cref="FileWatch"/>: their folders, which sees Kubernetes' symlink swap of a Secret volume) and
/// polled every <see cref="MeshCertificateOptions.PollInterval"/> as well, since watchers miss events on some
/// filesystems.
/// </summary>
public sealed class MeshCertificateStore : IDisposable
{
    private readonly MeshCertificateOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _reloading = new();
    private readonly Lock _lifecycle = new();
    private MeshCertificateSnapshot? _current;
    private readonly ChangeSignal _changed = new();
    private string? _lastError;
    private byte[]? _currentFingerprint; // guarded by _reloading
    private string? _lastReported; // guarded by _reloading
    private FileWatch? _watch;
    private bool _started;
    private volatile bool _disposed;

    /// <exception cref="ArgumentException">The options are unusable; the message lists every problem.</exception>
    public MeshCertificateStore(MeshCertificateOptions options, ILogger<MeshCertificateStore> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = new List<string>();
        RequirePath(options.CertificatePath, nameof(options.CertificatePath), "the workload certificate chain (tls.crt)", errors);
        RequirePath(options.KeyPath, nameof(options.KeyPath), "the workload private key (tls.key)", errors);
        RequirePath(options.TrustBundlePath, nameof(options.TrustBundlePath), "the mesh trust bundle (ca.crt)", errors);
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
            throw new ArgumentException($"Mesh certificate options are invalid: {string.Join("; ", errors)}.", nameof(options));
        }

        _options = options;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The certificates in force, or null until a valid set has been loaded. Read it once per use.</summary>
    public MeshCertificateSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>True once a valid set of certificates has been loaded; it stays true (a bad update keeps the last good set).</summary>
    public bool IsReady => Current is not null;

    /// <summary>Why the last load was refused, or null when the files in place are the ones in force.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    internal ILogger Logger => _logger;

    /// <summary>
    /// Fires when a new snapshot is published. Take the token first, then read <see cref="Current"/>: a change
    /// between the two then still fires the token.
    /// </summary>
    public IChangeToken GetChangeToken() => _changed.GetChangeToken();

    /// <summary>
    /// Loads the files once and starts watching and polling them. Never throws for bad or missing files: until they
    /// are valid <see cref="IsReady"/> is false and every handshake is refused. Calling it again does nothing.
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

            // Watch first, then read: a change between the two is then seen by the watcher.
            _watch = new FileWatch(
                [_options.CertificatePath, _options.KeyPath, _options.TrustBundlePath],
                _options.PollInterval,
                _options.ReloadDelay,
                _time,
                ReloadInBackground,
                (folder, problem) => SecurityLog.WatchUnavailable(_logger, folder, problem, _options.PollInterval));
            TryReload(out _);
        }
    }

    /// <summary>
    /// Reads and validates the three files now. True when the files in place are in force (newly published, or
    /// unchanged); false with the reason when they were refused, in which case the last good snapshot stays.
    /// </summary>
    public bool TryReload(out string failure)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool published;
        lock (_reloading)
        {
            published = Reload(out failure);
        }

        if (published)
        {
            Notify();
        }

        return failure.Length == 0;
    }

    /// <summary>
    /// Puts a newly issued set in force: checked whole in memory first (a bad set leaves files and snapshot alone), then
    /// written to the three files (each replaced whole, the key owner-only; a file whose content is unchanged, such as a
    /// mounted bundle, is not rewritten) and loaded, all under the reload lock so that the watcher never pairs the new
    /// certificate with the old key. The files then let a restarted sidecar serve before it reaches the controller.
    /// </summary>
    public bool TryReplace(string certificateChainPem, string privateKeyPem, string trustBundlePem, out string failure)
    {
        ArgumentNullException.ThrowIfNull(certificateChainPem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        ArgumentNullException.ThrowIfNull(trustBundlePem);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var chain = System.Text.Encoding.UTF8.GetBytes(certificateChainPem);
        var key = System.Text.Encoding.UTF8.GetBytes(privateKeyPem);
        var bundle = System.Text.Encoding.UTF8.GetBytes(trustBundlePem);
        bool published;
        try
        {
            lock (_reloading)
            {
                if (!MeshCertificateFiles.TryLoad(_options, chain, key, bundle, _time, out _, out failure))
                {
                    return false;
                }

                try
                {
                    WriteIfChanged(_options.TrustBundlePath, bundle, secret: false);
                    WriteIfChanged(_options.KeyPath, key, secret: true);
                    WriteIfChanged(_options.CertificatePath, chain, secret: false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failure = $"the issued certificate could not be written next to {_options.CertificatePath} ({e.Message}); the folder must be writable by the sidecar";
                    return false;
                }

                published = Reload(out failure);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        if (published)
        {
            Notify();
        }

        return failure.Length == 0;

        static void WriteIfChanged(string path, byte[] content, bool secret)
        {
            if (!secret && File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
            {
                return;
            }

            RouteTable.AtomicFile.Replace(path, content, secret);
        }
    }

    /// <summary>Checks a peer against the trust bundle in force; see <see cref="MeshCertificateSnapshot.ValidatePeer(X509Certificate2, string?, out string, out string)"/>.</summary>
    public bool ValidatePeer(X509Certificate2 peer, out string spiffeId, out string failure) =>
        ValidatePeer(peer, presentedChain: null, expectedSpiffeId: null, usage: null, out spiffeId, out failure);

    /// <summary>Checks a peer against the trust bundle in force, and that it is <paramref name="expectedSpiffeId"/> when one is given.</summary>
    public bool ValidatePeer(X509Certificate2 peer, string? expectedSpiffeId, out string spiffeId, out string failure) =>
        ValidatePeer(peer, presentedChain: null, expectedSpiffeId, usage: null, out spiffeId, out failure);

    internal bool ValidatePeer(X509Certificate2 peer, X509Certificate2Collection? presentedChain, string? expectedSpiffeId, Oid? usage, out string spiffeId, out string failure)
    {
        if (Current is not { } current)
        {
            spiffeId = string.Empty;
            failure = "this workload has no valid mesh certificate and trust bundle yet";
            return false;
        }

        return current.ValidatePeer(peer, presentedChain, expectedSpiffeId, usage, out spiffeId, out failure);
    }

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
        }
    }

    private static void RequirePath(string? path, string name, string what, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add($"{name} is empty; set it to the file holding {what}");
        }
    }

    /// <summary>True when a new snapshot was published. <paramref name="failure"/> is empty unless the files were refused.</summary>
    private bool Reload(out string failure)
    {
        if (!TryRead(out var chain, out var key, out var bundle, out failure))
        {
            Report(failure);
            return false;
        }

        try
        {
            var fingerprint = Fingerprint(chain, key, bundle);
            if (_currentFingerprint is not null && CryptographicOperations.FixedTimeEquals(fingerprint, _currentFingerprint))
            {
                // The files in force, read again (a poll, or a rewrite with the same content): nothing to publish.
                _lastReported = null;
                Volatile.Write(ref _lastError, null);
                return false;
            }

            if (!MeshCertificateFiles.TryLoad(_options, chain, key, bundle, _time, out var snapshot, out failure))
            {
                Report(failure);
                return false;
            }

            Volatile.Write(ref _current, snapshot);
            _currentFingerprint = fingerprint;
            _lastReported = null;
            Volatile.Write(ref _lastError, null);
            SecurityLog.CertificateLoaded(_logger, snapshot.SpiffeId, snapshot.SerialNumber, snapshot.NotAfter, snapshot.TrustBundle.Count);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Remembers why a load was refused, logging each distinct reason once (a poll re-reads a bad file every few seconds).</summary>
    private void Report(string failure)
    {
        Volatile.Write(ref _lastError, failure);
        if (string.Equals(failure, _lastReported, StringComparison.Ordinal))
        {
            return;
        }

        _lastReported = failure;
        if (Current is { } current)
        {
            SecurityLog.CertificateRejected(_logger, failure, current.ToString());
        }
        else
        {
            SecurityLog.NoCertificate(_logger, failure);
        }
    }

    private bool TryRead(out byte[] chain, out byte[] key, out byte[] bundle, out string failure)
    {
        var errors = new List<string>(3);
        chain = Read(_options.CertificatePath, "certificate chain", errors);
        key = Read(_options.KeyPath, "private key", errors);
        bundle = Read(_options.TrustBundlePath, "trust bundle", errors);
        failure = string.Join("; ", errors);
        if (errors.Count == 0)
        {
            return true;
        }

        CryptographicOperations.ZeroMemory(key);
        return false;

        static byte[] Read(string path, string what, List<string> errors)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"cannot read the {what} {path} ({e.Message})");
                return [];
            }
        }
    }

    private static byte[] Fingerprint(byte[] chain, byte[] key, byte[] bundle)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in new[] { chain, key, bundle })
        {
            BinaryPrimitives.WriteInt32BigEndian(length, part.Length);
            hash.AppendData(length);
            hash.AppendData(part);
        }

        return hash.GetHashAndReset();
    }

    private void ReloadInBackground()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            TryReload(out _);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the timer fired: nothing left to reload.
        }
    }

    // A listener's failure must not stop the reload that published, nor the next one.
    private void Notify() => _changed.Notify(e => SecurityLog.ListenerFailed(_logger, e));
}
