namespace Lattice.Mesh.Compiler.Diagnostics;

/// <summary>Stable ids for every diagnostic: LM1xxx reading manifests, LM2xxx the graph and volumes, LM3xxx inputs.</summary>
public static class DiagnosticIds
{
    // Reading one document.
    public const string YamlSyntax = "LM1001";
    public const string NotAnObject = "LM1002";
    public const string UnsupportedApiVersion = "LM1003";
    public const string UnknownField = "LM1010";
    public const string WrongType = "LM1011";
    public const string MissingField = "LM1012";
    public const string InvalidValue = "LM1013";
    public const string OutOfRange = "LM1014";
    public const string InvalidDuration = "LM1015";
    public const string InvalidQuantity = "LM1016";
    public const string InvalidName = "LM1017";
    public const string ConflictingFields = "LM1018";
    public const string UnknownVolumeSource = "LM1019";

    // Across services.
    public const string DuplicateService = "LM2001";
    public const string VolumeOwnerMissing = "LM2010";
    public const string VolumeMissing = "LM2011";
    public const string VolumeRefToRef = "LM2012";
    public const string VolumeRefToSelf = "LM2013";
    public const string SharedVolumeNotReadWriteMany = "LM2014";
    public const string DuplicateIngressHost = "LM2020";
    public const string IngressPortAmbiguous = "LM2021";

    // Files, folders and kustomizations.
    public const string PathNotFound = "LM3001";
    public const string KustomizationCycle = "LM3002";
    public const string KustomizationUnsupported = "LM3003";
    public const string NoServices = "LM3004";
    public const string UnreadableFile = "LM3005";
}
