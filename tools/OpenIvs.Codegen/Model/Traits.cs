namespace OpenIvs.Codegen.Model;

/// <summary>Smithy trait ids, and the set this generator knows how to honour.</summary>
public static class Traits
{
    public const string Documentation = "smithy.api#documentation";
    public const string Required = "smithy.api#required";
    public const string Length = "smithy.api#length";
    public const string Range = "smithy.api#range";
    public const string Pattern = "smithy.api#pattern";
    public const string Enum = "smithy.api#enum";
    public const string EnumValue = "smithy.api#enumValue";
    public const string Default = "smithy.api#default";
    public const string Http = "smithy.api#http";
    public const string HttpError = "smithy.api#httpError";
    public const string HttpHeader = "smithy.api#httpHeader";
    public const string HttpLabel = "smithy.api#httpLabel";
    public const string HttpQuery = "smithy.api#httpQuery";
    public const string Error = "smithy.api#error";
    public const string Readonly = "smithy.api#readonly";
    public const string Idempotent = "smithy.api#idempotent";
    public const string Paginated = "smithy.api#paginated";
    public const string Input = "smithy.api#input";
    public const string Output = "smithy.api#output";
    public const string Sensitive = "smithy.api#sensitive";
    public const string TimestampFormat = "smithy.api#timestampFormat";
    public const string Title = "smithy.api#title";
    public const string Cors = "smithy.api#cors";
    public const string AwsService = "aws.api#service";
    public const string SigV4 = "aws.auth#sigv4";
    public const string RestJson1 = "aws.protocols#restJson1";
    public const string EndpointRuleSet = "smithy.rules#endpointRuleSet";
    public const string EndpointTests = "smithy.rules#endpointTests";

    /// <summary>
    /// Every trait the generator honours or deliberately passes over. A model that uses any other trait
    /// fails generation, so a new trait in a model update is noticed instead of silently dropped.
    /// </summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        Documentation, Required, Length, Range, Pattern, Enum, EnumValue, Default, Http, HttpError,
        HttpHeader, HttpLabel, HttpQuery, Error, Readonly, Idempotent, Paginated, Input, Output, Sensitive,
        TimestampFormat, Title, Cors, AwsService, SigV4, RestJson1, EndpointRuleSet, EndpointTests,
    };
}
