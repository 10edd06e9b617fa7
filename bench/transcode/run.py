#!/usr/bin/env python3
"""CPU of one transcoded stream in OpenIVS against the same ffmpeg ladder run alone.

OpenIVS: a real server (artifacts/cli/openivs.dll) with transcoding on, ffmpeg publishing a pre-encoded clip in
real time (-re -c copy) to a STANDARD channel; CPU of the server process plus its ffmpeg transcoder, measured over
a window after warm-up. Alone: the transcoder's exact command line, read from /proc while it ran, replayed with the
clip as its real-time input (-re) and plain files as outputs. The difference is OpenIVS's plumbing (FLV to and
from ffmpeg, packaging every rung) on top of the encoding itself. A BASIC channel fed the same clip gives the server's
cost of the source alone (ingest and packaging one rendition, which a stream costs with or without transcoding), so the
transcoding plumbing is the STANDARD server's CPU above it. The three runs alternate for --rounds rounds; each round's
ratios are computed within the round and their medians printed (a shared machine's noise moves single runs by tens of
percent). Prints figures; asserts nothing.
"""
import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from procstats import cpu_seconds, free_port  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY, SECRET = "AKIABENCHTRANSCODE01", "bench-transcode-secret-key-0123456789abcd"


def make_clip(work, width, height, fps, kbps, seconds):
    path = os.path.join(work, f"clip-{width}x{height}-{fps}.flv")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}",
                    "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps}k", "-g", str(2 * fps), "-keyint_min", str(2 * fps),
                    "-sc_threshold", "0", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-t", str(seconds), "-f", "flv", path], check=True)
    return path


def children(pid):
    """Processes whose parent is pid (any of its threads may have started them)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def measure(pids, warmup, seconds):
    return measure_split([pids], warmup, seconds)[0]


def measure_split(groups, warmup, seconds):
    """Cores used by each group of processes over the same window."""
    time.sleep(warmup)
    cpu0, t0 = [cpu_seconds(g()) for g in groups], time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    return [(cpu_seconds(g()) - c) / elapsed for g, c in zip(groups, cpu0)]


@contextlib.contextmanager
def live_channel(clip, args, work, channel_type="STANDARD"):
    """A real server with one channel of channel_type that ffmpeg publishes clip to in real time: (server, channel)."""
    os.makedirs(work, exist_ok=True)
    http, rtmp, rtmps = free_port(), free_port(), free_port()
    env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET, OPENIVS_Transcoding__X264Preset=args.preset)
    server = subprocess.Popen(["dotnet", os.path.join(ROOT, "artifacts", "cli", "openivs.dll"), "serve", "--data-dir", os.path.join(work, "data"),
                               "--http", f"127.0.0.1:{http}", "--rtmp", f"127.0.0.1:{rtmp}", "--rtmps", f"127.0.0.1:{rtmps}",
                               "--log-level", "Warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    publisher = None
    try:
        client = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{http}", region_name="us-west-2",
                              aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        for _ in range(150):
            try:
                client.list_channels()
                break
            except Exception:
                time.sleep(0.2)
        created = client.create_channel(name="bench", insecureIngest=True, type=channel_type)
        publisher = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy",
                                      "-f", "flv", f"rtmp://127.0.0.1:{rtmp}/app/{created['streamKey']['value']}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        yield server, created["channel"]
    finally:
        if publisher:
            publisher.kill()
        server.terminate()
        server.wait(30)


def run_openivs(clip, args, work, channel_type="STANDARD"):
    with live_channel(clip, args, work, channel_type) as (server, _):
        if channel_type == "BASIC":
            return measure(lambda: [server.pid], args.warmup, args.measure), 0.0, None
        transcoders = []
        for _ in range(100):
            transcoders = [p for p in children(server.pid) if b"ffmpeg" in open(f"/proc/{p}/cmdline", "rb").read()]
            if transcoders:
                break
            time.sleep(0.2)
        if not transcoders:
            raise SystemExit("no transcoder started")
        with open(f"/proc/{transcoders[0]}/cmdline", "rb") as f:
            command = [a.decode() for a in f.read().split(b"\0") if a]
        own, ffmpeg_only = measure_split([lambda: [server.pid], lambda: children(server.pid)], args.warmup, args.measure)
        return own + ffmpeg_only, ffmpeg_only, command


def run_alone(clip, command, args, work):
    outputs = os.path.join(work, "alone")
    os.makedirs(outputs, exist_ok=True)
    replay = []
    for i, a in enumerate(command):
        if a == "pipe:0":
            replay += [clip]
        elif a.endswith(".flv") and "openivs-transcode-" in a:
            replay += [os.path.join(outputs, os.path.basename(a))]
        else:
            replay += [a]
    i = replay.index("-f")  # real-time input, looped, like the publisher
    replay[i:i] = ["-re", "-stream_loop", "-1"]
    if replay[0] == "nice":
        replay = replay[3:]
    proc = subprocess.Popen(replay, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return measure(lambda: [proc.pid], args.warmup, args.measure)
    finally:
        proc.kill()
        proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--kbps", type=int, default=4500)
    parser.add_argument("--preset", default="veryfast", help="x264 preset of the rungs (OpenIVS's default: veryfast)")
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--measure", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    totals, ffmpegs, alones, basics = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as work:
        clip = make_clip(work, width, height, args.fps, args.kbps, 20)
        for round_ in range(args.rounds):
            total, ffmpeg_only, command = run_openivs(clip, args, os.path.join(work, f"standard-{round_}"))
            alone = run_alone(clip, command, args, work)
            basic, _, _ = run_openivs(clip, args, os.path.join(work, f"basic-{round_}"), "BASIC")
            totals.append(total)
            ffmpegs.append(ffmpeg_only)
            alones.append(alone)
            basics.append(basic)
            print(f"round {round_ + 1}: alone {alone:.3f}, OpenIVS {total:.3f} (ffmpeg {ffmpeg_only:.3f}, server {total - ffmpeg_only:.3f}), "
                  f"BASIC server {basic:.3f}, load {os.getloadavg()[0]:.1f}", flush=True)
    total, ffmpeg_only, alone, basic = (statistics.median(v) for v in (totals, ffmpegs, alones, basics))
    overall = statistics.median((t - a) / a * 100 for t, a in zip(totals, alones))
    plumbing = statistics.median((t - f - b) / a * 100 for t, f, b, a in zip(totals, ffmpegs, basics, alones))
    print(f"source {args.size}p{args.fps} {args.kbps} kbps, STANDARD ladder, x264 {args.preset}, {os.cpu_count()} cores, medians of {args.rounds} rounds")
    print(f"ffmpeg ladder alone:            {alone:.3f} cores")
    print(f"OpenIVS (server + transcoder):  {total:.3f} cores (its ffmpeg {ffmpeg_only:.3f}, server {total - ffmpeg_only:.3f})")
    print(f"BASIC stream (server only):     {basic:.3f} cores (the source's ingest and packaging)")
    print(f"OpenIVS over the ladder alone:  {overall:+.1f} % (median of the rounds' ratios; includes the ffmpeg-inside vs alone noise)")
    print(f"server's transcoding plumbing:  {plumbing:+.1f} % of the ladder's CPU (STANDARD server minus BASIC server)")
    print(f"streams at real time (cores / cores per stream): {os.cpu_count() / total:.2f}")


if __name__ == "__main__":
    main()
