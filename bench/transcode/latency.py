#!/usr/bin/env python3
"""What transcoding adds to latency: when the same part is available in the lowest rung and in the source rung.

A real server (artifacts/cli/openivs.dll) transcodes a STANDARD channel fed a pre-encoded clip in real time. Every rung
has its parts at the same instants as the source (aligned keyframes, the source's timestamps), so a part number means
the same moment of video in every rung. For each of --parts consecutive parts, two blocking playlist reloads
(_HLS_msn/_HLS_part, RFC 8216bis 6.2.5.2) wait for it at once, one on the source's media playlist and one on the lowest
rung's; the difference of their answers' arrival times is what transcoding adds to glass-to-glass latency (a player
of the rung is otherwise as far behind the live edge as one of the source). Prints figures; asserts nothing.
"""
import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import live_channel, make_clip  # noqa: E402


def get(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def last_part(playlist):
    """(msn, part index) of the newest part in a media playlist."""
    msn = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", playlist).group(1))
    current, index = msn, -1
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-PART:"):
            index += 1
        elif line.startswith("#EXTINF"):
            current, index = current + 1, -1
    return current, index


def program_date_times(playlist):
    """msn -> EXT-X-PROGRAM-DATE-TIME of each segment that has one."""
    msn = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", playlist).group(1))
    found, pending = {}, None
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            pending = line.split(":", 1)[1]
        elif line.startswith("#EXTINF"):
            if pending:
                found[msn] = pending
            msn, pending = msn + 1, None
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--kbps", type=int, default=4500)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--parts", type=int, default=60)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-transcode-latency-") as work:
        clip = make_clip(work, width, height, args.fps, args.kbps, 20)
        with live_channel(clip, args, work) as (_, channel):
            url = channel["playbackUrl"]
            deadline = time.monotonic() + 90
            while True:
                try:
                    multivariant = get(url)
                    if multivariant.count("#EXT-X-STREAM-INF") >= 4:
                        break
                except Exception:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the ladder did not come up")
                time.sleep(0.5)
            uris = [line for line in multivariant.splitlines() if line and not line.startswith("#")]
            source, lowest = (urllib.request.urljoin(url, u) for u in (uris[0], uris[-1]))
            names = [re.search(r'VIDEO="([^"]+)"', line).group(1) for line in multivariant.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
            time.sleep(4)  # a few parts into the rungs
            times = program_date_times(get(source)), program_date_times(get(lowest))
            common = sorted(set(times[0]) & set(times[1]))
            print(f"same media sequence number, same instant: msn {common[-1] if common else None} "
                  f"{[t.get(common[-1]) for t in times] if common else times}")
            delays = []
            for _ in range(args.parts):
                msn, part = last_part(get(source))
                part += 1  # the next part (RFC 8216bis: past a segment's last part means the next segment's first)
                arrived = {}

                def wait(name, media):
                    try:
                        get(f"{media}&_HLS_msn={msn}&_HLS_part={part}" if "?" in media else f"{media}?_HLS_msn={msn}&_HLS_part={part}")
                        arrived[name] = time.monotonic()
                    except Exception as e:  # a 503: not there within the blocking wait
                        print(f"{name} msn {msn} part {part}: {e}", file=sys.stderr)

                threads = [threading.Thread(target=wait, args=(n, m)) for n, m in (("source", source), ("lowest", lowest))]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                if len(arrived) == 2:
                    delays.append(arrived["lowest"] - arrived["source"])
    delays.sort()
    print(f"source {args.size}p{args.fps}, STANDARD ladder {', '.join(names)}, x264 {args.preset}; {len(delays)} parts")
    print(f"lowest rung ({names[-1]}) after the source ({names[0]}): median {statistics.median(delays) * 1000:.0f} ms, "
          f"p90 {delays[int(len(delays) * 0.9)] * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
