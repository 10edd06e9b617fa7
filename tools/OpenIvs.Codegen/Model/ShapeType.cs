namespace OpenIvs.Codegen.Model;

/// <summary>The Smithy shape types this generator understands; anything else fails the build.</summary>
public enum ShapeType
{
    Service,
    Operation,
    Structure,
    String,
    Enum,
    Integer,
    Long,
    Boolean,
    Timestamp,
    List,
    Map,
}
