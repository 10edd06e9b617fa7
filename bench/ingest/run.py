#!/usr/bin/env python3
"""Ingest benchmark (not a test): N concurrent publishers replay a pre-encoded 720p 2.5 Mbps FLV clip without
re-encoding (`ffmpeg -re -stream_loop -1 -i clip.flv -c copy -f flv URL`) into OpenIVS (plain RTMP, channels with
insecureIngest) and into nginx with the RTMP module (`live on`, HLS off), one after the other in the same run.
For each server and N it reports the server's CPU per stream (% of one core) and resident memory per stream.

usage: bench/ingest/run.py [--streams 10,50,100] [--warmup 10] [--measure 20] [--hls] [--baseline DLL [--baseline-first]] [--srt]
  --hls  compares ingest plus packaging: nginx-rtmp with `hls on` (1 s fragments) against OpenIVS as it runs.
  --baseline DLL  also runs another build of OpenIVS (an openivs.dll published from an older commit) in the
         same run, for before/after figures of a change. --baseline-first runs it before this build (run both
         orders: the machine's state drifts between the first and the second server).
  --srt  compares OpenIVS's ingest protocols instead of nginx: the same clip over plain RTMP, over SRT without
         encryption (MPEG-TS, `-f mpegts srt://...`), and over SRT with the channel's passphrase (AES-128).
Without --hls OpenIVS runs ingest only (Playback:Enabled=false), like nginx with HLS off.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from procstats import cpu_seconds, free_port, make_clip, prepare, stop  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY, SECRET = "AKIABENCHMARK0000000", "benchmark-secret-benchmark-secret-00000"


def rss_bytes(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except FileNotFoundError:
            pass
    return total


def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        return [int(p) for p in out]
    except FileNotFoundError:
        return []




def publish(clip, urls):
    return [subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip,
                              "-c", "copy", "-f", "mpegts" if url.startswith("srt:") else "flv", url], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for url in urls]


def publish_url(mode, ports, channel, key):
    """rtmp: plain RTMP; srt: SRT without encryption; srt-aes: SRT with the channel's passphrase (AES-128)."""
    if mode == "rtmp":
        return f"rtmp://127.0.0.1:{ports['rtmp']}/app/{key}"
    url = f"srt://127.0.0.1:{ports['srt']}?streamid={key}"
    return url + f"&passphrase={channel['srt']['passphrase']}&pbkeylen=16" if mode == "srt-aes" else url




def measure(server_pids, warmup, seconds, publishers):
    time.sleep(warmup)
    alive = sum(1 for p in publishers if p.poll() is None)
    cpu0, t0 = cpu_seconds(server_pids), time.monotonic()
    time.sleep(seconds)
    cpu1, t1 = cpu_seconds(server_pids), time.monotonic()
    still = sum(1 for p in publishers if p.poll() is None)
    return (cpu1 - cpu0) / (t1 - t0) * 100, rss_bytes(server_pids), min(alive, still)


def run_openivs(clip, counts, args, work, dll=None, mode="rtmp"):
    http, rtmp, rtmps, srt = free_port(), free_port(), free_port(), free_port()
    data = os.path.join(work, "openivs-data" if dll is None else "baseline-data")
    env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET,
                   OPENIVS_Transcoding__Enabled="false")  # transmux plumbing only (bench/transcode measures transcoding)
    if not args.hls:
        env["OPENIVS_Playback__Enabled"] = "false"  # like nginx with HLS off: ingest only
    server = subprocess.Popen(["dotnet", dll or os.path.join(ROOT, "artifacts", "cli", "openivs.dll"), "serve", "--data-dir", data,
                               "--http", f"127.0.0.1:{http}", "--rtmp", f"127.0.0.1:{rtmp}", "--rtmps", f"127.0.0.1:{rtmps}",
                               *(["--srt", f"127.0.0.1:{srt}"] if dll is None else []), "--log-level", "Warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{http}", region_name="us-west-2",
                              aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        for _ in range(100):
            try:
                client.list_channels()
                break
            except Exception:
                time.sleep(0.2)
        created = [client.create_channel(name=f"bench-{i}", insecureIngest=mode != "srt-aes", type="STANDARD")
                   for i in range(max(counts))]
        urls = [publish_url(mode, {"rtmp": rtmp, "srt": srt}, c["channel"], c["streamKey"]["value"]) for c in created]
        time.sleep(2)
        idle = rss_bytes([server.pid])
        results = []
        for n in counts:
            publishers = publish(clip, urls[:n])
            cpu, rss, alive = measure([server.pid], args.warmup, args.measure, publishers)
            live = len(client.list_streams(maxResults=100).get("streams", []))
            stop(publishers)
            results.append((n, cpu, rss, idle, alive, live))
            time.sleep(3)
        return results
    finally:
        server.terminate()
        server.wait()


def run_nginx(clip, counts, args, work):
    port = free_port()
    hls_dir = os.path.join(work, "hls")
    os.makedirs(hls_dir, exist_ok=True)
    hls = f"hls on; hls_path {hls_dir}; hls_fragment 1s; hls_playlist_length 6s;" if args.hls else "hls off;"
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        # Debian's nginx runs workers as nobody, who cannot write into our 0700 temporary directory.
        user = "user root;\n" if os.geteuid() == 0 else ""
        f.write(f"""load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
{user}daemon off;
master_process on;
worker_processes 1;
error_log {work}/nginx-error.log warn;
pid {work}/nginx.pid;
events {{ worker_connections 4096; }}
rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096; application app {{ live on; record off; {hls} }} }} }}
""")
    server = subprocess.Popen(["nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        results = []
        idle = rss_bytes([server.pid] + children(server.pid))
        for n in counts:
            publishers = publish(clip, [f"rtmp://127.0.0.1:{port}/app/stream{i}" for i in range(n)])
            pids = [server.pid] + children(server.pid)
            cpu, rss, alive = measure(pids, args.warmup, args.measure, publishers)
            stop(publishers)
            if args.hls:
                # Make sure nginx really packaged: a failing hls_path would make its CPU look cheap.
                writing = sum(1 for i in range(n) if os.path.exists(os.path.join(hls_dir, f"stream{i}.m3u8")))
                if writing < alive:
                    sys.exit(f"nginx wrote HLS for only {writing} of {alive} streams; see {work}/nginx-error.log")
            results.append((n, cpu, rss, idle, alive, alive))
            time.sleep(3)
        return results
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", default="10,50,100")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--measure", type=int, default=20)
    parser.add_argument("--hls", action="store_true")
    parser.add_argument("--baseline", help="openivs.dll of another build to measure in the same run")
    parser.add_argument("--baseline-first", action="store_true", help="run the --baseline build before this one")
    parser.add_argument("--srt", action="store_true")
    args = parser.parse_args()
    counts = [int(c) for c in args.streams.split(",")]
    prepare(("ffmpeg", "dotnet") if args.srt else ("ffmpeg", "nginx", "dotnet"))
    with tempfile.TemporaryDirectory() as work:
        clip = make_clip(work)
        print(f"clip: 720p30 H.264 2.5 Mbps + AAC 128 kb/s, {os.cpu_count()} cores; warm-up {args.warmup}s, measure {args.measure}s; nginx hls {'on' if args.hls else 'off'}")
        print(f"{'server':16} {'N':>4} {'alive':>5} {'live':>5} {'CPU %':>7} {'CPU %/stream':>13} {'RSS MB':>7} {'MB/stream':>10}")
        if args.srt:
            runners = [(f"openivs {mode}", lambda *a, mode=mode: run_openivs(*a, mode=mode)) for mode in ("rtmp", "srt", "srt-aes")]
        else:
            runners = [("openivs", run_openivs)]
            if args.baseline:
                baseline = ("baseline", lambda *a: run_openivs(*a, dll=os.path.abspath(args.baseline)))
                runners.insert(0 if args.baseline_first else 1, baseline)
            runners.append(("nginx", run_nginx))
        for name, runner in runners:
            for n, cpu, rss, idle, alive, live in runner(clip, counts, args, work):
                print(f"{name:16} {n:>4} {alive:>5} {live:>5} {cpu:>7.1f} {cpu / n:>13.2f} {rss / 2**20:>7.1f} {(rss - idle) / n / 2**20:>10.2f}")


if __name__ == "__main__":
    main()
