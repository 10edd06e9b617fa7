namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>
/// The root key every test server is started with (<c>OPENIVS_ACCESS_KEY_ID</c>/<c>OPENIVS_SECRET_ACCESS_KEY</c>)
/// and every client uses, so the tests keep passing once the server verifies SigV4 signatures.
/// </summary>
public static class TestCredentials
{
    public const string AccessKeyId = "AKIAOPENIVSTESTKEY02";

    public const string SecretAccessKey = "openivs-integration-secret/0123456789abcdefXYZ";

    public const string Region = "us-west-2";

    public const string Account = "000000000000";
}
