using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Tests.Security;

public sealed class MeshCertificateStoreTests : IDisposable
{
    private const string Sonarr = "spiffe://lattice.local/ns/media/sa/sonarr";
    private const string Nzbget = "spiffe://lattice.local/ns/media/sa/nzbget";

    /// <summary>Long enough for a loaded 2-core machine; only reached when something is broken.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly MeshCertificateAuthority _authority = TestAuthorities.Create();
    private readonly ListLogger<MeshCertificateStore> _log = new();

    public void Dispose() => _authority.Dispose();

    [Fact]
    public void Loads_AValidSet_AsOneSnapshot()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var folder = CertificateFolder.With(issued);
        using var store = new MeshCertificateStore(folder.Options, _log);

        Assert.False(store.IsReady);
        Assert.True(store.TryReload(out var failure), failure);

        var current = store.Current!;
        Assert.True(store.IsReady);
        Assert.Null(store.LastError);
        Assert.Equal(Sonarr, current.SpiffeId);
        Assert.Equal("lattice.local", current.TrustDomain);
        Assert.Equal(issued.SerialNumber, current.SerialNumber);
        Assert.Equal(issued.NotAfter, current.NotAfter);
        Assert.True(current.Certificate.HasPrivateKey);
        Assert.Equal(_authority.SerialNumber, Assert.Single(current.TrustBundle).SerialNumber);
        Assert.Equal(1, _log.Count(4001));
    }

    [Fact]
    public void NotReady_WhileTheFilesAreMissing_SayingWhichOnes()
    {
        using var folder = new CertificateFolder();
        using var store = new MeshCertificateStore(folder.Options, _log);

        Assert.False(store.TryReload(out var failure));

        Assert.False(store.IsReady);
        Assert.Null(store.Current);
        Assert.Contains(folder.CertificatePath, failure, StringComparison.Ordinal);
        Assert.Contains(folder.KeyPath, failure, StringComparison.Ordinal);
        Assert.Contains(folder.TrustBundlePath, failure, StringComparison.Ordinal);
        Assert.Equal(failure, store.LastError);
        Assert.Equal(1, _log.Count(4003));
    }

    [Fact]
    public void Refuses_AKeyThatIsNotTheCertificatesKey_AndKeepsTheLastGoodSet()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var other = _authority.IssueWorkload(Sonarr);
        using var folder = CertificateFolder.With(issued);
        using var store = new MeshCertificateStore(folder.Options, _log);
        Assert.True(store.TryReload(out _));

        CertificateFolder.WriteFile(folder.KeyPath, other.ExportPrivateKeyPem());

        Assert.False(store.TryReload(out var failure));
        Assert.Contains(folder.KeyPath, failure, StringComparison.Ordinal);
        Assert.Equal(issued.SerialNumber, store.Current!.SerialNumber);
        Assert.True(store.IsReady);
        Assert.Equal(failure, store.LastError);
        Assert.Equal(1, _log.Count(4002));

        CertificateFolder.WriteFile(folder.KeyPath, issued.ExportPrivateKeyPem());
        Assert.True(store.TryReload(out failure), failure);
        Assert.Null(store.LastError);
    }

    [Theory]
    [InlineData("tls.crt", "not a certificate")]
    [InlineData("tls.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    [InlineData("tls.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    [InlineData("tls.key", "")]
    [InlineData("ca.crt", "garbage")]
    public void Refuses_GarbageInAnyFile_AndKeepsTheLastGoodSet(string file, string content)
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var folder = CertificateFolder.With(issued);
        using var store = new MeshCertificateStore(folder.Options, _log);
        Assert.True(store.TryReload(out _));
        var path = Path.Combine(folder.Path, file);

        CertificateFolder.WriteFile(path, content);

        Assert.False(store.TryReload(out var failure));
        Assert.Contains(path, failure, StringComparison.Ordinal);
        Assert.Equal(issued.SerialNumber, store.Current!.SerialNumber);
    }

    [Fact]
    public void Refuses_AnExpiredCertificate()
    {
        using var expired = TestAuthorities.IssueExpired(_authority, Sonarr);
        using var folder = CertificateFolder.With(expired);
        using var store = new MeshCertificateStore(folder.Options, _log);

        Assert.False(store.TryReload(out var failure));

        Assert.Contains("expired", failure, StringComparison.Ordinal);
        Assert.False(store.IsReady);
    }

    [Fact]
    public void Refuses_ACertificateNotYetValid()
    {
        using var folder = new CertificateFolder();
        using var issued = _authority.IssueWorkload(Sonarr);
        folder.Write(issued);
        using var store = new MeshCertificateStore(folder.Options, _log, new ShiftedTimeProvider(TimeSpan.FromMinutes(-10)));

        Assert.False(store.TryReload(out var failure));

        Assert.Contains("not valid before", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_ACertificateOfAnotherCa_CollectingEveryReason()
    {
        using var other = TestAuthorities.Create();
        using var foreignAndExpired = TestAuthorities.IssueExpired(other, Sonarr);
        using var folder = new CertificateFolder();
        folder.Write(foreignAndExpired, trustBundlePem: _authority.CertificatePem);
        using var store = new MeshCertificateStore(folder.Options, _log);

        Assert.False(store.TryReload(out var failure));

        Assert.Contains("expired", failure, StringComparison.Ordinal);
        Assert.Contains($"does not chain to the trust bundle {folder.TrustBundlePath}", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_ACertificateWithoutSpiffeId_EvenFromTheMeshCa()
    {
        using var crafted = CraftedCertificates.SignedBy(_authority, "https://sonarr.media.svc/");
        using var folder = new CertificateFolder();
        CertificateFolder.WriteFile(folder.TrustBundlePath, _authority.CertificatePem);
        using (var key = crafted.GetECDsaPrivateKey()!)
        {
            CertificateFolder.WriteFile(folder.KeyPath, key.ExportPkcs8PrivateKeyPem());
        }

        CertificateFolder.WriteFile(folder.CertificatePath, crafted.ExportCertificatePem());
        using var store = new MeshCertificateStore(folder.Options, _log);

        Assert.False(store.TryReload(out var failure));

        Assert.Contains("carries no SPIFFE id", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("does not chain", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_ATrustBundleThatHoldsAWorkloadCertificate()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var folder = new CertificateFolder();
        folder.Write(issued, trustBundlePem: _authority.CertificatePem + issued.CertificateChainPem);
        using var store = new MeshCertificateStore(folder.Options, _log);

        Assert.False(store.TryReload(out var failure));

        Assert.Contains("'CN=sonarr', which is not a CA certificate", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangeToken_FiresForANewSnapshot_NotForAnUnchangedReload()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var renewed = _authority.IssueWorkload(Sonarr);
        using var folder = CertificateFolder.With(issued);
        using var store = new MeshCertificateStore(folder.Options, _log);

        var first = store.GetChangeToken();
        Assert.True(store.TryReload(out _));
        Assert.True(first.HasChanged);

        var second = store.GetChangeToken();
        Assert.True(store.TryReload(out _));
        Assert.False(second.HasChanged);
        Assert.Equal(1, _log.Count(4001));

        folder.Write(renewed);
        Assert.True(store.TryReload(out _));
        Assert.True(second.HasChanged);
        Assert.Equal(renewed.SerialNumber, store.Current!.SerialNumber);
    }

    [Fact]
    public void Logs_EachRefusalOnce_AndNeverKeyMaterial()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var other = _authority.IssueWorkload(Sonarr);
        using var folder = CertificateFolder.With(issued);
        using var store = new MeshCertificateStore(folder.Options, _log);
        Assert.True(store.TryReload(out _));

        CertificateFolder.WriteFile(folder.KeyPath, other.ExportPrivateKeyPem());
        for (var i = 0; i < 3; i++)
        {
            Assert.False(store.TryReload(out _));
        }

        CertificateFolder.WriteFile(folder.KeyPath, "-----BEGIN PRIVATE KEY-----\n" + MeshCertificateAuthorityTests.KeyBody(other.ExportPrivateKeyPem())[..40] + "\n-----END PRIVATE KEY-----\n");
        Assert.False(store.TryReload(out _));

        Assert.Equal(2, _log.Count(4002));
        foreach (var (_, _, message) in _log.Lines)
        {
            Assert.DoesNotContain("PRIVATE KEY", message, StringComparison.Ordinal);
            foreach (var key in new[] { issued, other }.Select(c => MeshCertificateAuthorityTests.KeyBody(c.ExportPrivateKeyPem())))
            {
                for (var at = 0; at + 16 <= key.Length; at += 16)
                {
                    Assert.DoesNotContain(key.Substring(at, 16), message, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void ValidatePeer_AcceptsAMeshPeer_AndCanRequireWhichOne()
    {
        using var self = _authority.IssueWorkload(Nzbget);
        using var peer = _authority.IssueWorkload(Sonarr);
        using var folder = CertificateFolder.With(self);
        using var store = new MeshCertificateStore(folder.Options, _log);
        Assert.True(store.TryReload(out _));

        Assert.True(store.ValidatePeer(peer.Certificate, out var spiffeId, out var failure), failure);
        Assert.Equal(Sonarr, spiffeId);
        Assert.True(store.ValidatePeer(peer.Certificate, Sonarr, out _, out failure), failure);

        Assert.False(store.ValidatePeer(peer.Certificate, "spiffe://lattice.local/ns/media/sa/jellyfin", out spiffeId, out failure));
        Assert.Equal(string.Empty, spiffeId);
        Assert.Equal($"peer is {Sonarr}, expected spiffe://lattice.local/ns/media/sa/jellyfin", failure);
    }

    [Fact]
    public void ValidatePeer_RefusesWhatDoesNotChainToTheBundle_OrIsNoWorkload()
    {
        using var self = _authority.IssueWorkload(Nzbget);
        using var folder = CertificateFolder.With(self);
        using var store = new MeshCertificateStore(folder.Options, _log);
        Assert.True(store.TryReload(out _));
        using var other = MeshCertificateAuthority.Create();
        using var foreign = other.IssueWorkload(Sonarr);
        using var selfSigned = CraftedCertificates.SelfSigned(Sonarr);
        using var noSpiffe = CraftedCertificates.SignedBy(_authority, "https://sonarr.media.svc/");
        using var otherDomain = CraftedCertificates.SignedBy(_authority, "spiffe://elsewhere.example/ns/media/sa/sonarr");
        using var root = _authority.GetRootCertificate();

        Assert.False(store.ValidatePeer(foreign.Certificate, out _, out var failure));
        Assert.Contains("not signed by a CA of the mesh trust bundle", failure, StringComparison.Ordinal);
        Assert.False(store.ValidatePeer(selfSigned, out _, out failure));
        Assert.Contains("not signed by a CA of the mesh trust bundle", failure, StringComparison.Ordinal);
        Assert.False(store.ValidatePeer(noSpiffe, out _, out failure));
        Assert.Contains("carries no SPIFFE id", failure, StringComparison.Ordinal);
        Assert.False(store.ValidatePeer(otherDomain, out _, out failure));
        Assert.Contains("not in trust domain 'lattice.local'", failure, StringComparison.Ordinal);
        Assert.False(store.ValidatePeer(root, out _, out failure));
        Assert.Contains("is a CA certificate", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidatePeer_RefusesEveryone_BeforeAnythingIsLoaded()
    {
        using var peer = _authority.IssueWorkload(Sonarr);
        using var folder = new CertificateFolder();
        using var store = new MeshCertificateStore(folder.Options, _log);

        Assert.False(store.ValidatePeer(peer.Certificate, out _, out var failure));
        Assert.Contains("no valid mesh certificate", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WatchesTheFolder_AndPublishesFilesThatAppearLater()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var folder = new CertificateFolder();

        // A poll too slow to matter: the watcher must see it.
        using var store = new MeshCertificateStore(folder.Options with { PollInterval = TimeSpan.FromHours(1) }, _log);
        store.Start();
        Assert.False(store.IsReady);
        AssertWatching();

        folder.Write(issued);

        await UntilAsync(store, s => s.Current?.SerialNumber == issued.SerialNumber);
    }

    [Fact]
    public async Task Start_PollsAFolderItCannotWatch()
    {
        using var issued = _authority.IssueWorkload(Sonarr);
        using var parent = new CertificateFolder();
        var missing = Path.Combine(parent.Path, "not-yet");

        // The folder does not exist at start, so no watcher: only the poll can find the files.
        using var store = new MeshCertificateStore(MeshCertificateOptions.InFolder(missing) with { PollInterval = TimeSpan.FromMilliseconds(50) }, _log);
        store.Start();
        Assert.Equal(1, _log.Count(4004));

        Directory.CreateDirectory(missing);
        File.WriteAllText(Path.Combine(missing, "ca.crt"), issued.TrustBundlePem);
        File.WriteAllText(Path.Combine(missing, "tls.key"), issued.ExportPrivateKeyPem());
        File.WriteAllText(Path.Combine(missing, "tls.crt"), issued.CertificateChainPem);

        await UntilAsync(store, s => s.Current?.SerialNumber == issued.SerialNumber);
    }

    [Fact]
    public async Task Start_FollowsAKubernetesSecretVolume_WhoseFilesChangeBySymlinkSwap()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Kubernetes' atomic writer (symlinks renamed over each other) is a Unix layout");
        using var first = _authority.IssueWorkload(Sonarr);
        using var second = _authority.IssueWorkload(Sonarr);
        using var folder = new CertificateFolder();
        var volume = new SecretVolume(folder.Path);
        volume.Publish("..2025_11_24_03_30_00.1", first);
        using var store = new MeshCertificateStore(folder.Options with { PollInterval = TimeSpan.FromHours(1) }, _log);
        store.Start();
        Assert.Equal(first.SerialNumber, store.Current?.SerialNumber);
        AssertWatching();

        volume.Publish("..2025_11_24_15_30_00.2", second);

        await UntilAsync(store, s => s.Current?.SerialNumber == second.SerialNumber);
    }

    [Fact]
    public void Options_ThatCannotWork_AreRefusedAtConstruction_AllAtOnce()
    {
        var options = new MeshCertificateOptions { CertificatePath = "", KeyPath = " ", TrustBundlePath = "ca.crt", PollInterval = TimeSpan.Zero };

        var error = Assert.Throws<ArgumentException>(() => new MeshCertificateStore(options, _log));

        Assert.Contains("CertificatePath is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("KeyPath is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("PollInterval", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Says so when the store could not watch (no inotify instance left, say), rather than timing out later.</summary>
    private void AssertWatching() =>
        Assert.True(_log.Count(4004) == 0, "the store could not watch its folder: " + string.Join(" ", _log.Lines.Where(l => l.Id.Id == 4004).Select(l => l.Message)));

    /// <summary>Waits on the store's change notifications (never a fixed sleep) until <paramref name="condition"/> holds.</summary>
    internal static async Task UntilAsync(MeshCertificateStore store, Func<MeshCertificateStore, bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Deadline);
        while (true)
        {
            // The token first, then the state: a change in between still completes the wait.
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = store.GetChangeToken().RegisterChangeCallback(static state => ((TaskCompletionSource)state!).TrySetResult(), changed);
            if (condition(store))
            {
                return;
            }

            try
            {
                await changed.Task.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the certificate store did not reach the expected state within {Deadline}; last error: {store.LastError ?? "none"}");
            }
        }
    }
}
