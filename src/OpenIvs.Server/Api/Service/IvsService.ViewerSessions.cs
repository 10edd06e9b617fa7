using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<StartViewerSessionRevocationResponse> StartViewerSessionRevocationAsync(
        StartViewerSessionRevocationRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
        Revoke(write, channel.Arn!, request.ViewerId!, request.ViewerSessionVersionsLessThanOrEqualTo ?? 0);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StartViewerSessionRevocationResponse();
    }

    public async ValueTask<BatchStartViewerSessionRevocationResponse> BatchStartViewerSessionRevocationAsync(
        BatchStartViewerSessionRevocationRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var errors = new List<BatchStartViewerSessionRevocationError>();
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        foreach (var session in request.ViewerSessions!)
        {
            if (!caller.Allows(IvsOperationsAction.BatchStartViewerSessionRevocation, session.ChannelArn!))
            {
                // The shape IVS documents for a refused pair.
                errors.Add(new BatchStartViewerSessionRevocationError { ChannelArn = session.ChannelArn, ViewerId = session.ViewerId, Code = "403", Message = "not authorized" });
            }
            else if (resources.Find(tables.ChannelKind, session.ChannelArn) is not null)
            {
                Revoke(write, session.ChannelArn!, session.ViewerId!, session.ViewerSessionVersionsLessThanOrEqualTo ?? 0);
            }
            else
            {
                errors.Add(new BatchStartViewerSessionRevocationError
                {
                    ChannelArn = session.ChannelArn,
                    ViewerId = session.ViewerId,
                    Code = ResourceNotFoundException.Code,
                    Message = $"Channel not found: {session.ChannelArn}",
                });
            }
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BatchStartViewerSessionRevocationResponse { Errors = errors };
    }

    /// <summary>Records (or raises) the revoked version for a viewer; the playback side refuses matching tokens.</summary>
    private void Revoke(Storage.DocumentWrite write, string channelArn, string viewerId, long version)
    {
        var key = resources.IdOf(channelArn, ResourceType.Channel) + "/" + viewerId;
        if (tables.ViewerRevocations.TryGet(key, out var existing) && existing.MaxVersion >= version)
        {
            return;
        }

        write.Put(tables.ViewerRevocations, key, new ViewerRevocationRecord
        {
            ChannelArn = channelArn,
            ViewerId = viewerId,
            MaxVersion = version,
            RevokedAt = time.GetUtcNow(),
        });
    }
}
