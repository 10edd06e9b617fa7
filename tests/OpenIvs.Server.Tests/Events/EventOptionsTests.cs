using OpenIvs.Server.Events;
using OpenIvs.Server.Hosting;

namespace OpenIvs.Server.Tests.Events;

public class EventOptionsTests
{
    [Fact]
    public void DefaultsMatchTheDocumentation()
    {
        var options = new EventOptions();
        Assert.False(options.EventBridgeEnabled);
        Assert.Equal("aws.ivs", options.EventBridgeSource);
        Assert.Equal(TimeSpan.FromHours(24), options.ParkAfter);
        Assert.Equal(TimeSpan.FromDays(7), options.Retention);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxBackoff);
        Assert.Equal(new Uri("https://events.eu-west-1.amazonaws.com"), options.EventBridgeUri("eu-west-1"));
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void WebhooksAreACommaSeparatedListOfHttpUrlsAndABadOneIsNamedByPositionOnly()
    {
        var options = new EventOptions { Webhooks = " https://a.example.com/hook , http://b.example.com/x?token=t ,, " };
        Assert.Equal(["https://a.example.com/hook", "http://b.example.com/x?token=t"], options.WebhookUrls);
        Assert.Empty(options.Validate());

        options.Webhooks = "https://a.example.com/hook,ftp://secret-token@files.example.com/";
        var problem = Assert.Single(options.Validate());
        Assert.Contains("entry 2", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEndpointAloneEnablesEventBridgeAndBadValuesStopTheStart()
    {
        var options = new OpenIvsOptions();
        options.Events.EventBridgeEndpoint = "http://127.0.0.1:5000";
        Assert.True(options.Events.EventBridgeEnabled);
        options.Validate();

        options.Events.EventBridgeEndpoint = "not a url";
        options.Events.Retention = TimeSpan.Zero;
        var error = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains("EventBridgeEndpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("Retention", error.Message, StringComparison.Ordinal);
    }
}
