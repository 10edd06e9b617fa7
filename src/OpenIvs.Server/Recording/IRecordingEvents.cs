using OpenIvs.Server.Events;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Recording;

/// <summary>
/// How the recorder reports IVS Recording State Change events: recorded on the stream's session
/// (truncatedEvents) and put in the durable outbox. Same shape as the hub's <c>Raise(LiveStream, IvsEvent)</c>,
/// which replaces <see cref="SessionRecordingEvents"/> once it exists.
/// </summary>
internal interface IRecordingEvents
{
    Task RaiseAsync(LiveStream stream, IvsEvent e, CancellationToken cancellationToken);
}
