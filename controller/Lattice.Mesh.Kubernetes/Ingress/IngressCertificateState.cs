namespace Lattice.Mesh.Kubernetes.Ingress;

/// <summary>
/// Where the certificate the gateway serves for a service's hosts comes from, and whether it is there: the
/// <c>IngressCertificateReady</c> condition of the service's status.
/// </summary>
/// <param name="Ready">The gateway has a certificate for the hosts to serve.</param>
/// <param name="Reason">One of the constants below: which way the certificate is provided, or what is wrong.</param>
/// <param name="Message">The Secret, the issuer, why that way, and the fix when something is wrong.</param>
public sealed record IngressCertificateState(bool Ready, string Reason, string Message)
{
    /// <summary>The condition's type.</summary>
    public const string Condition = "IngressCertificateReady";

    /// <summary>A cert-manager Certificate issues it (<c>mode: auto</c> with an issuerRef, cert-manager installed).</summary>
    public const string CertManager = "CertManager";

    /// <summary>The controller issues it from its own ingress CA (<c>mode: auto</c> without an issuerRef, or without cert-manager).</summary>
    public const string MeshIngressCA = "MeshIngressCA";

    /// <summary>The user's Secret is copied for the gateway (<c>mode: manual</c>).</summary>
    public const string ManualSecret = "ManualSecret";

    /// <summary><c>mode: manual</c> and the user's Secret does not exist (or cannot be read).</summary>
    public const string SecretMissing = "SecretMissing";

    /// <summary><c>mode: manual</c> and the user's Secret is not a usable certificate and key.</summary>
    public const string SecretInvalid = "SecretInvalid";

    /// <summary>Two Secrets would have the same name in the gateway's namespace.</summary>
    public const string SecretNameConflict = "SecretNameConflict";

    /// <summary>Writing the Secret or the Certificate failed; it is tried again.</summary>
    public const string ApplyFailed = "ApplyFailed";
}
