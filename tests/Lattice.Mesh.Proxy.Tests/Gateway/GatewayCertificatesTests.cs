using Lattice.Mesh.Proxy.Gateway;
using Lattice.Mesh.Proxy.Tests.Security;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary><see cref="GatewayCertificates"/> without a server: names, Secrets coming and going, and what it says about a host.</summary>
public sealed class GatewayCertificatesTests : IDisposable
{
    private const string Jellyfin = "jellyfin.home.local";
    private const string Sonarr = "sonarr.home.local";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TestWebPki _pki = new();
    private readonly TlsSecretMounts _mounts = new();
    private readonly ListLogger<GatewayCertificates> _log = new();

    public void Dispose()
    {
        _mounts.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public void Selects_ByNormalizedName_AndNothingWithoutAName()
    {
        var jellyfin = _pki.Issue([Jellyfin, "*.media.home.local"]);
        _mounts.Publish("jellyfin-tls", jellyfin);
        using var certificates = Create();
        Assert.True(certificates.TryReload(out var failure), failure);

        Assert.Equal(jellyfin.SerialNumber, certificates.Select("JellyFin.Home.Local.")?.SerialNumber);
        Assert.Equal(jellyfin.SerialNumber, certificates.Select("tv.media.home.local")?.SerialNumber);
        Assert.Null(certificates.Select(null));
        Assert.Null(certificates.Select(string.Empty));
        Assert.Null(certificates.Select("media.home.local"));
        Assert.Null(certificates.Select("a.tv.media.home.local"));
        Assert.Null(certificates.Select("*.media.home.local"));
        Assert.Null(certificates.Select("home.local"));
        Assert.Equal(["*.media.home.local", Jellyfin], certificates.Hosts);
    }

    [Fact]
    public void Check_SaysWhyAHostHasNoCertificate_NamingTheRefusedSecret()
    {
        var expired = _pki.Issue([Jellyfin], DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddHours(-1));
        _mounts.Publish("jellyfin-tls", expired);
        using var certificates = Create();

        Assert.False(certificates.TryReload(out var failure));

        Assert.Contains("expired on", failure, StringComparison.Ordinal);
        Assert.Empty(certificates.Hosts);
        Assert.Null(certificates.Select(Jellyfin));
        var (ok, problem) = certificates.Check(Jellyfin);
        Assert.False(ok);
        Assert.Contains($"no certificate names '{Jellyfin}'", problem, StringComparison.Ordinal);
        Assert.Contains(_mounts.Path, problem, StringComparison.Ordinal);
        Assert.Contains("'jellyfin-tls'", problem, StringComparison.Ordinal);
        var refusal = Assert.Single(_log.Lines, l => l.Id.Id == 6102).Message;
        Assert.Contains("its hosts have no certificate", refusal, StringComparison.Ordinal);
        Assert.Contains("renew it", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_FailsForACertificateInForceThatHasSinceExpired()
    {
        var clock = new MovableClock();
        _mounts.Publish("jellyfin-tls", _pki.Issue([Jellyfin]));
        using var certificates = Create(clock);
        Assert.True(certificates.TryReload(out _));
        Assert.Equal((true, null), certificates.Check(Jellyfin));

        clock.Advance(TimeSpan.FromDays(2));

        var (ok, problem) = certificates.Check(Jellyfin);
        Assert.False(ok);
        Assert.Contains("has expired", problem, StringComparison.Ordinal);
        Assert.Contains("'jellyfin-tls'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PicksUpANewSecret_WatchesIt_AndDropsItWhenRemoved()
    {
        using var certificates = Create();
        certificates.Start();
        Assert.Empty(certificates.Hosts);

        var first = _pki.Issue([Sonarr]);
        _mounts.Publish("sonarr-tls", first);
        await Eventually.Async(() => Task.FromResult(certificates.Select(Sonarr)?.SerialNumber == first.SerialNumber), "the new Secret to be served", Deadline);

        // The new Secret's own folder is now watched: its ..data swap is seen.
        var second = _pki.Issue([Sonarr]);
        _mounts.Publish("sonarr-tls", second);
        await Eventually.Async(() => Task.FromResult(certificates.Select(Sonarr)?.SerialNumber == second.SerialNumber), "the new Secret's rotation", Deadline);

        var changed = certificates.GetChangeToken();
        _mounts.Remove("sonarr-tls");
        await Eventually.Async(() => Task.FromResult(certificates.Hosts.Count == 0), "the removed Secret's hosts to go", Deadline);
        Assert.True(changed.HasChanged);
        Assert.Null(certificates.Select(Sonarr));
        Assert.Contains(_log.Lines, l => l.Id.Id == 6103 && l.Message.Contains("sonarr-tls", StringComparison.Ordinal));
    }

    [Fact]
    public void AHostNamedByTwoSecrets_GoesToTheFirstByName_LoggedOnce()
    {
        var a = _pki.Issue([Jellyfin]);
        var b = _pki.Issue([Jellyfin, Sonarr]);
        _mounts.Publish("b-tls", b);
        _mounts.Publish("a-tls", a);
        using var certificates = Create();

        Assert.True(certificates.TryReload(out _));
        Assert.True(certificates.TryReload(out _));

        Assert.Equal(a.SerialNumber, certificates.Select(Jellyfin)?.SerialNumber);
        Assert.Equal(b.SerialNumber, certificates.Select(Sonarr)?.SerialNumber);
        var conflict = Assert.Single(_log.Lines, l => l.Id.Id == 6104).Message;
        Assert.Contains("a-tls, b-tls", conflict, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFolder_IsReportedOnce_AndNothingIsServed()
    {
        using var certificates = new GatewayCertificates(new GatewayCertificateOptions { Folder = Path.Combine(_mounts.Path, "absent") }, _log);

        Assert.False(certificates.TryReload(out var failure));
        Assert.False(certificates.TryReload(out _));

        Assert.Contains("absent", failure, StringComparison.Ordinal);
        Assert.Empty(certificates.Hosts);
        Assert.Equal(1, _log.Count(6106));
        var (ok, problem) = certificates.Check(Jellyfin);
        Assert.False(ok);
        Assert.Contains("cannot be listed", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesUnusableOptions_ListingEveryProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new GatewayCertificates(new GatewayCertificateOptions { Folder = " ", PollInterval = TimeSpan.Zero, ReloadDelay = TimeSpan.FromSeconds(-1) }, _log));

        Assert.Contains("Folder is empty", e.Message, StringComparison.Ordinal);
        Assert.Contains("PollInterval", e.Message, StringComparison.Ordinal);
        Assert.Contains("ReloadDelay", e.Message, StringComparison.Ordinal);
    }

    private GatewayCertificates Create(TimeProvider? clock = null) =>
        new(new GatewayCertificateOptions { Folder = _mounts.Path, PollInterval = TimeSpan.FromMinutes(10), ReloadDelay = TimeSpan.FromMilliseconds(50) }, _log, clock);
}
