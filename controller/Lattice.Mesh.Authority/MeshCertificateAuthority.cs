using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Authority;

/// <summary>
/// The mesh's certificate authority: one self-signed ECDSA P-256 root per trust domain, created once and kept
/// as PEM (a file today, a Kubernetes Secret later), which signs short-lived workload certificates whose only
/// identity is their SPIFFE id (an X.509-SVID). The root signs workloads directly (path length 0): there is
/// no intermediate to lose or rotate. Thread-safe. Key material leaves only through
/// <see cref="ExportPrivateKeyPem"/>; <see cref="ToString"/> and the exception messages never carry it.
/// </summary>
public sealed class MeshCertificateAuthority : IDisposable
{
    /// <summary>How long a root is valid.</summary>
    public static readonly TimeSpan RootValidity = TimeSpan.FromDays(3652);

    /// <summary>How long a workload certificate is valid unless asked otherwise.</summary>
    public static readonly TimeSpan DefaultWorkloadValidity = TimeSpan.FromHours(24);

    /// <summary>How far back certificates are dated, so that a peer whose clock runs a little behind accepts them.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>The root's common name; its organisation is the trust domain.</summary>
    public const string RootCommonName = "Lattice.Mesh root";

    private const string OrganizationOid = "2.5.4.10";
    private const string SubjectAlternativeNameOid = "2.5.29.17";
    private const int SerialNumberBytes = 16;

    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly X509Certificate2 _root;
    private readonly ECDsa _key;
    private readonly TimeProvider _time;
    private readonly Lock _signing = new();
    private bool _disposed;

    private MeshCertificateAuthority(X509Certificate2 root, ECDsa key, string trustDomain, TimeProvider time)
    {
        _root = root;
        _key = key;
        _time = time;
        TrustDomain = trustDomain;
        CertificatePem = root.ExportCertificatePem() + "\n";
    }

    /// <summary>The trust domain every certificate of this authority names: <c>spiffe://&lt;trust domain&gt;/...</c>.</summary>
    public string TrustDomain { get; }

    /// <summary>The root certificate as PEM: the mesh trust bundle that every sidecar is given (<c>ca.crt</c>).</summary>
    public string CertificatePem { get; }

    /// <summary>The root's serial number, hexadecimal.</summary>
    public string SerialNumber => _root.SerialNumber;

    /// <summary>When the root expires; workload certificates cannot outlive it.</summary>
    public DateTimeOffset NotAfter => new(_root.NotAfter.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>A copy of the root certificate without its private key, e.g. for a trust store.</summary>
    public X509Certificate2 GetRootCertificate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return X509CertificateLoader.LoadCertificate(_root.RawData);
    }

    /// <summary>Creates a new root for <paramref name="trustDomain"/>. Done once per mesh; keep the result with <see cref="ExportPrivateKeyPem"/>.</summary>
    /// <exception cref="ArgumentException">The trust domain is not a DNS name.</exception>
    public static MeshCertificateAuthority Create(string trustDomain = SpiffeId.DefaultTrustDomain, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(trustDomain);
        if (!Names.IsDnsSubdomain(trustDomain))
        {
            throw new ArgumentException($"Trust domain '{trustDomain}' is not a DNS name; {Names.HostNameRule} (for example '{SpiffeId.DefaultTrustDomain}').", nameof(trustDomain));
        }

        var time = timeProvider ?? TimeProvider.System;
        var now = WholeSeconds(time.GetUtcNow());
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(RootCommonName);
            subject.AddOrganizationName(trustDomain);
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

            using var signed = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), now - ClockSkew, now + RootValidity, NewSerialNumber());
            return new MeshCertificateAuthority(signed.CopyWithPrivateKey(key), key, trustDomain, time);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a root kept with <see cref="CertificatePem"/> and <see cref="ExportPrivateKeyPem"/>. The trust domain is
    /// read back from the root's organisation.
    /// </summary>
    /// <exception cref="ArgumentException">Every reason the PEM is not a usable root, in one message.</exception>
    public static MeshCertificateAuthority ImportFromPem(string certificatePem, string privateKeyPem, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        var time = timeProvider ?? TimeProvider.System;

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"The root certificate PEM could not be read ({e.Message}); pass the PEM written from CertificatePem.", nameof(certificatePem), e);
        }

        using (certificate)
        {
            var errors = new List<string>();
            var basic = certificate.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault();
            if (basic is not { CertificateAuthority: true })
            {
                errors.Add("the certificate is not a CA (basic constraints CA:true missing)");
            }

            var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().SingleOrDefault();
            if (usage is null || (usage.KeyUsages & X509KeyUsageFlags.KeyCertSign) == 0)
            {
                errors.Add("the certificate may not sign certificates (key usage keyCertSign missing)");
            }

            var trustDomain = TrustDomainOf(certificate.SubjectName);
            if (trustDomain is null)
            {
                errors.Add($"its subject '{certificate.Subject}' names no trust domain (O=<trust domain>)");
            }

            var now = time.GetUtcNow();
            if (now.UtcDateTime >= certificate.NotAfter.ToUniversalTime())
            {
                errors.Add($"it expired on {certificate.NotAfter.ToUniversalTime():u}; create a new root and roll the trust bundle");
            }

            if (certificate.GetECDsaPublicKey() is not { } publicKey)
            {
                errors.Add("its key is not ECDSA");
            }
            else
            {
                publicKey.Dispose();
            }

            if (errors.Count > 0)
            {
                throw new ArgumentException($"The root certificate cannot be used: {string.Join("; ", errors)}.", nameof(certificatePem));
            }

            var key = ECDsa.Create();
            try
            {
                key.ImportFromPem(privateKeyPem);
                return new MeshCertificateAuthority(certificate.CopyWithPrivateKey(key), key, trustDomain!, time);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();

                // The inner exception's message is about the format or the mismatch, never the key's content.
                throw new ArgumentException($"The root private key could not be used with the certificate ({e.Message}); pass the PKCS#8 PEM written from ExportPrivateKeyPem() for this same root.", nameof(privateKeyPem), e);
            }
        }
    }

    /// <summary>Loads a root from the two files written by <see cref="WriteToFilesAsync"/>.</summary>
    public static async Task<MeshCertificateAuthority> ReadFromFilesAsync(string certificatePath, string privateKeyPath, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var certificate = await File.ReadAllTextAsync(certificatePath, cancellationToken).ConfigureAwait(false);
        var key = await File.ReadAllTextAsync(privateKeyPath, cancellationToken).ConfigureAwait(false);
        return ImportFromPem(certificate, key, timeProvider);
    }

    /// <summary>
    /// Keeps the root in two files: the certificate (readable by anyone) and the private key, readable and writable
    /// by its owner only on Unix (also when the file existed before).
    /// </summary>
    public async Task WriteToFilesAsync(string certificatePath, string privateKeyPath, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await File.WriteAllTextAsync(certificatePath, CertificatePem, cancellationToken).ConfigureAwait(false);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(privateKeyPath, options);
        await using (stream.ConfigureAwait(false))
        {
            if (!OperatingSystem.IsWindows())
            {
                // The create mode applies only to a new file: an existing one keeps its mode unless told.
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var writer = new StreamWriter(stream);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(ExportPrivateKeyPem().AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The root's private key as PKCS#8 PEM. A secret: store it as one (a file only its owner reads, a Secret); never log it.</summary>
    public string ExportPrivateKeyPem()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>
    /// Issues a workload certificate (an X.509-SVID) for <paramref name="spiffeId"/>: a fresh P-256 key, the SPIFFE id
    /// as its only URI SAN, <paramref name="dnsNames"/> as DNS SANs, serverAuth and clientAuth, not a CA, dated
    /// <see cref="ClockSkew"/> in the past and valid for <paramref name="validity"/> (24 hours by default).
    /// </summary>
    /// <exception cref="ArgumentException">The id, a DNS name or the validity is unusable; the message says how to fix it.</exception>
    /// <exception cref="InvalidOperationException">The clock is before the root's validity.</exception>
    public WorkloadCertificate IssueWorkload(string spiffeId, TimeSpan? validity = null, IEnumerable<string>? dnsNames = null)
    {
        ArgumentNullException.ThrowIfNull(spiffeId);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signed = Sign(PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _), spiffeId, validity, dnsNames, out _);
        return new WorkloadCertificate(signed.CopyWithPrivateKey(key), spiffeId, CertificatePem, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// Signs a workload's own key: the public key of <paramref name="signingRequestPem"/> (a PKCS#10 request whose
    /// signature proves the workload holds the private key) certified for <paramref name="spiffeId"/>, exactly as
    /// <see cref="IssueWorkload"/> would. Only the key is taken from the request: its subject and extensions are
    /// ignored, so the identity is the one the caller was authenticated as, whatever the request names.
    /// </summary>
    /// <exception cref="ArgumentException">The request or the id is unusable; the message names the problem and the fix.</exception>
    /// <exception cref="InvalidOperationException">The clock is before the root's validity.</exception>
    public IssuedCertificate SignRequest(string signingRequestPem, string spiffeId, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(signingRequestPem);
        ArgumentNullException.ThrowIfNull(spiffeId);
        var publicKey = ReadSigningRequest(signingRequestPem);
        using var signed = Sign(publicKey, spiffeId, validity, dnsNames: null, out var issuedAt);
        var notBefore = new DateTimeOffset(signed.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(signed.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return new IssuedCertificate(spiffeId, signed.ExportCertificatePem() + "\n", CertificatePem, notBefore, notAfter, issuedAt + ((notAfter - issuedAt) / 2));
    }

    /// <summary>The public key of a signing request whose signature checks, of a kind and size the mesh accepts.</summary>
    private static PublicKey ReadSigningRequest(string pem)
    {
        const string Fix = "send one PEM 'CERTIFICATE REQUEST' (PKCS#10) for an ECDSA P-256 or P-384 key, or an RSA key of at least 2048 bits, signed with that key";
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"The certificate signing request is not valid ({e.Message}); {Fix}.", nameof(pem), e);
        }

        var key = request.PublicKey;
        var (kind, bits, acceptable) = key.Oid.Value switch
        {
            "1.2.840.10045.2.1" => KeyOf(key.GetECDsaPublicKey(), k => k.KeySize, size => size is 256 or 384, "ECDSA"),
            "1.2.840.113549.1.1.1" => KeyOf(key.GetRSAPublicKey(), k => k.KeySize, size => size >= 2048, "RSA"),
            _ => (key.Oid.FriendlyName ?? key.Oid.Value ?? "unknown", 0, false),
        };
        if (!acceptable)
        {
            throw new ArgumentException($"The certificate signing request's key is {kind} of {bits} bits, which the mesh does not accept; {Fix}.", nameof(pem));
        }

        return key;

        static (string, int, bool) KeyOf<T>(T? algorithm, Func<T, int> size, Func<int, bool> accept, string kind)
            where T : AsymmetricAlgorithm
        {
            using (algorithm)
            {
                return algorithm is null ? (kind, 0, false) : (kind, size(algorithm), accept(size(algorithm)));
            }
        }
    }

    private X509Certificate2 Sign(PublicKey publicKey, string spiffeId, TimeSpan? validity, IEnumerable<string>? dnsNames, out DateTimeOffset issuedAt)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!SpiffeId.TryParse(spiffeId, out var trustDomain, out _, out var serviceAccount))
        {
            throw new ArgumentException(
                $"'{spiffeId}' is not a workload SPIFFE id; use {SpiffeId.Scheme}<trust domain>/ns/<namespace>/sa/<service account> (SpiffeId.For builds one), where each name must {Names.DnsLabelRule}.",
                nameof(spiffeId));
        }

        if (!string.Equals(trustDomain, TrustDomain, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{spiffeId}' is in trust domain '{trustDomain}' but this authority signs for '{TrustDomain}'; use {SpiffeId.For(TrustDomain, "<namespace>", "<service account>")}.", nameof(spiffeId));
        }

        var names = (dnsNames ?? []).ToArray();
        foreach (var name in names)
        {
            if (!Names.IsDnsSubdomain(name))
            {
                throw new ArgumentException($"DNS name '{name}' for '{spiffeId}' is not valid; {Names.HostNameRule}.", nameof(dnsNames));
            }
        }

        var lifetime = validity ?? DefaultWorkloadValidity;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Validity {lifetime} for '{spiffeId}' must be positive; omit it for {DefaultWorkloadValidity.TotalHours:0} hours.", nameof(validity));
        }

        var now = WholeSeconds(_time.GetUtcNow());
        var rootNotBefore = new DateTimeOffset(_root.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        if (now < rootNotBefore)
        {
            throw new InvalidOperationException($"The root is not valid before {rootNotBefore:u} and the clock says {now:u}; check the clock of this machine.");
        }

        if (lifetime > NotAfter - now)
        {
            throw new ArgumentException($"A certificate for '{spiffeId}' valid for {lifetime} would outlive the root, which expires on {NotAfter:u}; ask for a shorter validity or create a new root.", nameof(validity));
        }

        var notBefore = now - ClockSkew < rootNotBefore ? rootNotBefore : now - ClockSkew;
        var notAfter = now + lifetime;

        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(serviceAccount);
        var request = new CertificateRequest(subject.Build(), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication, ClientAuthentication], critical: false));
        request.CertificateExtensions.Add(SubjectAlternativeName(spiffeId, names));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_root, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        issuedAt = now;
        lock (_signing)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return request.Create(_root, notBefore, notAfter, NewSerialNumber());
        }
    }

    public void Dispose()
    {
        lock (_signing)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _key.Dispose();
            _root.Dispose();
        }
    }

    /// <summary>Names the root, never its key.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{RootCommonName} for {TrustDomain} (serial {SerialNumber}, expires {NotAfter:u})");

    private static X509Extension SubjectAlternativeName(string spiffeId, string[] dnsNames)
    {
        // Written by hand rather than with SubjectAlternativeNameBuilder.AddUri so that the URI is carried exactly as
        // given: System.Uri may normalise it, and peers compare SPIFFE ids as strings.
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, spiffeId, new Asn1Tag(TagClass.ContextSpecific, 6));
            foreach (var name in dnsNames)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, name, new Asn1Tag(TagClass.ContextSpecific, 2));
            }
        }

        // SPIFFE X.509-SVID: the subject may be empty, so the SAN is critical only then; this subject has a CN.
        return new X509Extension(SubjectAlternativeNameOid, writer.Encode(), critical: false);
    }

    private static string? TrustDomainOf(X500DistinguishedName subject)
    {
        foreach (var part in subject.EnumerateRelativeDistinguishedNames())
        {
            if (!part.HasMultipleElements && part.GetSingleElementType().Value == OrganizationOid
                && part.GetSingleElementValue() is { } value && Names.IsDnsSubdomain(value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A positive 128-bit random serial number (RFC 5280 allows up to 20 octets).</summary>
    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(SerialNumberBytes);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    /// <summary>Certificates carry whole seconds; rounding first makes what is returned equal what is encoded.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
