using System.Globalization;
using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Ingest;

/// <summary>
/// Multitrack video input (Enhanced RTMP, OBS's encoder ladder) of one publish: the channel's
/// <c>multitrackInputConfiguration</c> decides whether it is taken, and each track besides track 0 becomes a
/// rendition of the stream, served as it arrives (IVS transmuxes multitrack input; nothing is transcoded) with the
/// stream's audio. Refusals end the stream with IVS's Session Ended codes (ivs-behavior.md 1.6).
/// </summary>
/// <remarks>
/// The decision is taken at the first video frame of any track: encoders send every track's sequence header first,
/// so by then the publish has shown all its tracks. Tracks that appear later are checked and added the same way.
/// </remarks>
internal sealed class MultitrackInput(IStreamHub hub, LiveStream stream)
{
    /// <summary>The most video tracks (track 0 included) a channel takes; IVS documents none, OBS sends up to 5.</summary>
    public const int MaxTracks = 5;

    private readonly Dictionary<byte, LiveRendition> _renditions = [];
    private readonly Dictionary<byte, VideoTrackInfo> _pending = [];
    private VideoTrackInfo? _main;
    private bool _decided;
    private bool _single;
    private bool _refused;

    /// <summary>Track 0's configuration, first or changed.</summary>
    public void OnMainTrack(VideoTrackInfo track)
    {
        _main = track;
        if (_decided && stream.Multitrack)
        {
            Check(0, track);
        }
    }

    /// <summary>Another track's configuration, first or changed.</summary>
    public void OnTrack(byte trackId, VideoTrackInfo track)
    {
        if (_refused)
        {
            return;
        }

        if (_renditions.TryGetValue(trackId, out var rendition))
        {
            if (Check(trackId, track))
            {
                rendition.SetVideo(track);
            }

            return;
        }

        _pending[trackId] = track;
        if (_decided)
        {
            Decide();
        }
    }

    /// <summary>Whether a video frame of <paramref name="trackId"/> may go on (false once the input is refused).</summary>
    public bool AllowsFrame(byte trackId)
    {
        if (!_decided)
        {
            _decided = true;
            Decide();
        }

        return !_refused && (trackId == 0 || _renditions.ContainsKey(trackId));
    }

    /// <summary>Publishes a frame of a track besides track 0; the caller's reference is taken over.</summary>
    public void PublishTrack(byte trackId, MediaFrame frame)
    {
        if (AllowsFrame(trackId))
        {
            _renditions[trackId].Publish(frame);
        }
        else
        {
            frame.Release();
        }
    }

    /// <summary>The stream's audio configuration goes to every track's rendition.</summary>
    public void SetAudio(AudioTrackInfo audio)
    {
        foreach (var rendition in _renditions.Values)
        {
            rendition.SetAudio(audio);
        }
    }

    /// <summary>An audio frame goes to every track's rendition too (the caller keeps its reference).</summary>
    public void PublishAudio(MediaFrame frame)
    {
        foreach (var rendition in _renditions.Values)
        {
            rendition.Publish(frame.Retain());
        }
    }

    private void Decide()
    {
        var configuration = stream.Channel.MultitrackInputConfiguration;
        var enabled = configuration is { Enabled: true };
        if (_pending.Count == 0 && _renditions.Count == 0)
        {
            _single = true;
            if (enabled && configuration!.Policy == MultitrackPolicy.Require)
            {
                Refuse("MultitrackInputRequired", "the channel requires multitrack input and the publisher sent a single video track");
            }

            return;
        }

        if (_single)
        {
            Refuse(enabled ? "InvalidMultitrackInputTrackCount" : "MultitrackInputNotAllowed", "a second video track appeared after the stream started with one");
            return;
        }

        if (!enabled)
        {
            Refuse("MultitrackInputNotAllowed", "multitrack input is not enabled on the channel");
            return;
        }

        if (_main is null)
        {
            Refuse("InvalidMultitrackInputTrackCount", "multitrack input without a video track 0");
            return;
        }

        if (1 + _renditions.Count + _pending.Count > MaxTracks)
        {
            Refuse("InvalidMultitrackInputTrackCount", string.Create(CultureInfo.InvariantCulture, $"{1 + _renditions.Count + _pending.Count} video tracks (at most {MaxTracks})"));
            return;
        }

        if (!Check(0, _main))
        {
            return;
        }

        var ladder = new List<LadderRung>(stream.Ladder ?? [RungOf(_main, RungKind.Source)]);
        foreach (var (trackId, track) in _pending.OrderBy(p => p.Key))
        {
            var rung = RungOf(track, RungKind.Track);
            if (!Check(trackId, track))
            {
                return;
            }

            if (ladder.Exists(r => r.Name == rung.Name))
            {
                Refuse("InvalidMultitrackInputVideoTrackMediaProperties", $"two video tracks are {rung.Name}");
                return;
            }

            if (hub.AddRendition(stream, rung) is not { } rendition)
            {
                return; // the stream has ended
            }

            if (stream.Audio is { } audio)
            {
                rendition.SetAudio(audio);
            }

            rendition.SetVideo(track);
            _renditions[trackId] = rendition;
            ladder.Add(rung);
        }

        _pending.Clear();
        stream.Multitrack = true;
        stream.Ladder = [.. ladder.OrderByDescending(r => r.ShortEdge).ThenByDescending(r => r.FrameRate)];
    }

    /// <summary>A track's codec and size against the channel's rules; refuses the input when they fail.</summary>
    private bool Check(byte trackId, VideoTrackInfo track)
    {
        if (track.Codec is not (VideoCodec.Avc or VideoCodec.Hevc))
        {
            Refuse("InvalidMultitrackInputVideoTrackMediaProperties", $"video track {trackId} is {track.Codec} (H.264 or HEVC only)");
            return false;
        }

        var maximum = MaximumShortEdge(stream.Channel.MultitrackInputConfiguration?.MaximumResolution);
        if (Math.Min(track.Width, track.Height) > maximum)
        {
            Refuse("InvalidMultitrackInputVideoTrackMediaProperties", string.Create(CultureInfo.InvariantCulture,
                $"video track {trackId} is {track.Width}x{track.Height}, above the channel's maximum resolution ({maximum}p)"));
            return false;
        }

        return true;
    }

    private void Refuse(string code, string description)
    {
        _refused = true;
        stream.RequestEnd(StreamEndReason.MultitrackRefused(code, description));
    }

    /// <summary>Resolution classes by short edge: SD up to 480, HD up to 720, FULL_HD up to 1080.</summary>
    private static int MaximumShortEdge(MultitrackMaximumResolution? maximum) =>
        maximum == MultitrackMaximumResolution.Sd ? 480 : maximum == MultitrackMaximumResolution.Hd ? 720 : 1080;

    /// <summary>A track as a rung: IVS's <c>&lt;height&gt;p&lt;fps&gt;</c> name, its own size and frame rate, no target bitrates.</summary>
    private static LadderRung RungOf(VideoTrackInfo track, RungKind kind)
    {
        var frameRate = track.FrameRate ?? 30;
        var name = string.Create(CultureInfo.InvariantCulture, $"{Math.Min(track.Width, track.Height)}p{(frameRate > 31 ? 60 : 30)}");
        return new LadderRung(name, track.Width, track.Height, frameRate, 0, null, kind);
    }
}
