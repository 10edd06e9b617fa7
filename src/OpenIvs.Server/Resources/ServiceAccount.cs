namespace OpenIvs.Server.Resources;

/// <summary>
/// The region and account the service presents: in ARNs, events, endpoint names and SigV4 scopes. One value for
/// every room, composed by Hosting from the <c>Region</c> and <c>AccountId</c> settings.
/// </summary>
public sealed record ServiceAccount(string Region, string AccountId);
