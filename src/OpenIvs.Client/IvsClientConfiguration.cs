namespace OpenIvs.Client;

/// <summary>What a client resolved its settings to, and where each came from (for diagnostics).</summary>
/// <param name="Region">The signing region.</param>
/// <param name="RegionSource">Where the region came from, e.g. <c>options</c>, <c>AWS_REGION</c>, <c>profile default</c>.</param>
/// <param name="Endpoint">The endpoint requests go to.</param>
/// <param name="EndpointSource">Where the endpoint came from, e.g. <c>options</c>, <c>AWS_ENDPOINT_URL_IVS</c>, <c>endpoint rules</c>.</param>
/// <param name="Profile">The shared-files profile consulted.</param>
/// <param name="UseFips">Whether the FIPS endpoint was asked for.</param>
/// <param name="UseDualStack">Whether the dual-stack endpoint was asked for.</param>
/// <param name="MaxAttempts">Attempts per call.</param>
public sealed record IvsClientConfiguration(
    string Region,
    string RegionSource,
    Uri Endpoint,
    string EndpointSource,
    string Profile,
    bool UseFips,
    bool UseDualStack,
    int MaxAttempts);
