using OpenIvs.Client.Runtime;

namespace OpenIvs.Client.Tests;

/// <summary>The shared config and credentials file format as the AWS SDKs read it.</summary>
public sealed class SharedConfigTests
{
    [Fact]
    public void ProfilesSectionsCommentsAndSubProperties()
    {
        var files = AwsSharedConfig.Parse(
            """
            # comment
            ; another
            [default]
            region = us-west-2 # inline comment
            output=json

            [profile dev]
            REGION = eu-west-1
            url = http://x#not-a-comment
            services = mine
            s3 =
              max_concurrent_requests = 10

            [services mine]
            ivs =
              endpoint_url = http://127.0.0.1:8080
            [sso-session corp]
            region = ignored
            [plain]
            region = not-a-profile-in-config
            """,
            null);

        Assert.Equal("us-west-2", files.Get("default", "region"));
        Assert.Equal("json", files.Get("default", "output"));
        Assert.Equal("eu-west-1", files.Get("dev", "region"));
        Assert.Equal("http://x#not-a-comment", files.Get("dev", "url"));
        Assert.Equal("http://127.0.0.1:8080", files.GetServiceProperty("dev", "ivs", "endpoint_url"));
        Assert.Null(files.GetServiceProperty("default", "ivs", "endpoint_url"));
        Assert.False(files.HasProfile("plain"));
        Assert.False(files.HasProfile("corp"));
    }

    [Fact]
    public void ProfileDefaultWinsOverDefaultInTheConfigFile()
    {
        var files = AwsSharedConfig.Parse("[profile default]\nregion = a\n[default]\nregion = b\n", null);
        Assert.Equal("a", files.Get("default", "region"));
    }

    [Fact]
    public void CredentialsFileValuesWinAndItsSectionsAreBareNames()
    {
        var files = AwsSharedConfig.Parse(
            "[profile dev]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n",
            "[dev]\naws_access_key_id = FROMCREDS\r\naws_secret_access_key = s\r\n");

        Assert.Equal("FROMCREDS", files.Get("dev", "aws_access_key_id"));
        Assert.Equal("s", files.Get("dev", "aws_secret_access_key"));
        Assert.Equal("eu-west-1", files.Get("dev", "region"));
    }

    [Fact]
    public void MissingFilesAreEmpty()
    {
        var environment = new AwsEnvironment(_ => null, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")));
        var files = AwsSharedConfig.Load(environment);
        Assert.False(files.HasProfile("default"));
    }
}
