#!/usr/bin/env python3
"""Playback benchmarks (not tests). Use bench/playback/run.sh, which installs the Node dependencies first.

usage: bench/playback/run.sh latency  [--servers openivs,nginx] [--players stock,watch] [--gop 1] [--warmup 20] [--measure 45]
       bench/playback/run.sh memory   [--servers openivs,openivs-ingest,nginx] [--streams 10,50,100] [--settle 75] [--prime 20] [--prime-streams 1]
                                      [--stepped] [--breakdown] [--variant NAME:VAR=VALUE,cli=DIR ...] [--rounds 1]   (or --memory)
       bench/playback/run.sh memory --churn [--publishers 20] [--session 20] [--churn-minutes 5] [--settle 120]
       bench/playback/run.sh fanout   [--viewers 100,500,1000] [--ramp 10] [--warmup 10] [--measure 20] [--workers 2]
       bench/playback/run.sh segments [--concurrency 10,50] [--duration 6] [--repeat 3] [--servers openivs,nginx]
       bench/playback/run.sh parts    [--variant NAME:VAR=VALUE,...] [--rounds 3] [--gop 1] [--fps 30] [--warmup 5] [--measure 20]

latency   glass-to-glass latency. ffmpeg paints the wall-clock capture time (epoch ms mod 2^24) as a 24-block
          barcode (plus an inverted check row) into a 720p30 test pattern, right after `-re` paces the frame, encodes
          it (libx264 veryfast, tune zerolatency, 2.5 Mbps, 1 s GOP) and publishes it over RTMP. Headless Chromium
          (playwright-core, /usr/bin/chromium) plays the stream with hls.js, once per --players configuration: "stock"
          is `new Hls({lowLatencyMode: true})` as in a user's own page, "watch" OpenIVS's watch page itself (its
          catch-up code included; nginx: the page's hls.js configuration); --hls-config runs one custom configuration
          instead. --fps 60 publishes 720p60; --variant NAME:VAR=VALUE,... (repeatable) runs OpenIVS configurations
          alternately, --rounds N times, and prints the medians per configuration. The player
          decodes the barcode of every displayed frame (requestVideoFrameCallback): latency = display wall time -
          capture wall time; median and p95 over --measure seconds after --warmup, and the medians of the first and
          the last minute (drift; run with --measure 600 for the 10-minute run). --servers openivs-ts: a TS channel. Also shown: hls.js's own
          latency estimate (distance to the playlist's live edge) and its target (PART-HOLD-BACK, or 3 segments). OpenIVS: a LOW latency
          FRAGMENTED_MP4 channel (LL-HLS); nginx: libnginx-mod-rtmp `hls on; hls_fragment 1s`, served by nginx http.
          One after the other in the same run, each with its own publisher and browser.
memory    resident memory per live stream: for each of --streams N, a fresh server, N channels, N real-time
          publishers of a 2.5 Mbps clip (ffmpeg's tee muxer, 25 outputs per process); RSS of the server's process tree
          idle, live (after --warmup, default 40 s, so the playback window is full) and --settle seconds after the
          streams ended (memory coming back). openivs: LOW latency fMP4 channels (LL-HLS packaging); openivs-ingest:
          playback off (ingest only); nginx: nginx-rtmp with HLS to disk (its segments live in the page cache).
          --prime S: before the idle figure, one stream is published for S seconds and ended, so what the first
          stream costs once (code compiled for the ingest path, runtime structures) is in idle, not spread over N.
          --prime-streams K: the prime publishes K streams at once (costs that grow with concurrency, not with streams:
          thread-pool threads, code tiered up by per-stream timers).
          Columns: MB/stream = (live - idle) / N, the average, which carries what the first streams cost once;
          +MB/+stream = the growth since the previous row / the streams added, the marginal cost of a stream once those
          are paid (fresh servers: growth of this row minus growth of the previous one, each against its own idle).
          --stepped: one server per configuration instead of one per N; streams are added to reach each N in turn
          (ascending), each level measured after --warmup: the marginal figure then compares two moments of one process.
          --breakdown: under each OpenIVS row, where the growth went (resident MB by kind of mapping from smaps:
          anon = GC heap and the runtime's heaps, stacks = thread stacks, arenas = glibc malloc arenas of threads,
          heap = the main malloc heap, jit = JIT'd code, libraries, assemblies; the GC's committed and live heap,
          threads (all, thread pool), gen0 collections, methods JIT-compiled, MB allocated; idle -> live, or from the
          previous level with --stepped).
          --variant NAME:VAR=VALUE,... (repeatable, `cli=DIR` runs another published build) and --rounds R: OpenIVS
          configurations alternated, R times, with the median and the spread (min-max) per configuration and N.
          --churn: instead, memory coming back after many short sessions: --publishers real-time publishers (one ffmpeg
          each, starts staggered over a session) that each publish for --session seconds and reconnect at once, for
          --churn-minutes; RSS idle, at the peak (1 s samples) and --settle seconds (default 120) after the last stream
          ended, plus the GC's view at the end (/metrics: heap, committed, fragmentation). OpenIVS servers only.
Every table ends with "others": the CPU (% of one core) that the rest of the shared machine used during the
measurement (out of 100 x cores); when it is high the figures are starved, not slow.
fanout    N simulated LL-HLS viewers (viewers.mjs: blocking reloads + every part) of one 2.5 Mbps 720p30 stream
          (a pre-encoded clip replayed with -c copy) on a LOW latency fMP4 OpenIVS channel. Reports requests/s and
          bytes/s served, part fetch times, how many parts behind the live edge each viewer's newest part was when
          the run ended ("behind" = more than 2), and the CPU of the server, the load generator and the publisher.
parts     how long after capture each LL-HLS part reaches a client (see part_delays): no browser, so the server's own
          share (encoding, RTMP, ingest, packaging, HTTP) to the millisecond, per --variant.
segments  one complete ~2 s 2.5 Mbps segment from OpenIVS's live window, fetched by wrk from OpenIVS (while live)
          and, saved to a file, from nginx (static, sendfile, worker_processes auto), at the same concurrency.
          Runs alternate (OpenIVS, nginx) --repeat times and medians are shown, against the machine's drifting load;
          "MB/s per srv CPU%" is the throughput per % of one core the server used, steadier on a busy machine.
          Reports bytes/s and the ratio; a fresh segment is taken before each OpenIVS run so it stays in the window.
          Both servers get a 5 s wrk warm-up first (OpenIVS's JIT tiers up the serving path for seconds).
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import urljoin

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from procstats import TICKS, cpu_seconds, free_port  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
KEY, SECRET = "AKIABENCHMARK0000000", "benchmark-secret-benchmark-secret-00000"
DEVNULL = subprocess.DEVNULL
CLI = os.path.join(ROOT, "artifacts", "cli")  # --cli DIR: an already published build instead (before/after comparisons)
# the hls.js configuration of the watch page (web/watch.js): low-latency mode, PART-HOLD-BACK from the playlist. OpenIVS
# runs are measured on the watch page itself (its catch-up is page code); nginx gets this configuration in our page.
WATCH_PAGE_HLS_CONFIG = json.dumps({"lowLatencyMode": True, "backBufferLength": 30, "liveDurationInfinity": True})


# ---------------------------------------------------------------- processes


def tree(pid):
    """pid and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except FileNotFoundError:
            pass
    return pids


class CpuMeter:
    """CPU % of one core used by process trees between start() and stop()."""

    def __init__(self, **roots):
        self.roots = roots

    def _sample(self):
        sample = {name: cpu_seconds(tree(p.pid)) for name, p in self.roots.items()}
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
        sample["machine"] = (sum(ticks) - ticks[3] - ticks[4]) / TICKS  # all but idle and iowait
        return sample, time.monotonic()

    def start(self):
        self.c0, self.t0 = self._sample()

    def stop(self):
        c1, t1 = self._sample()
        cpu = {name: (c1[name] - self.c0[name]) / (t1 - self.t0) * 100 for name in c1}
        # CPU used by everything else on the (shared) machine, % of one core: high means the numbers are starved
        cpu["others"] = max(0.0, cpu["machine"] - sum(cpu[name] for name in self.roots))
        return cpu


def stop(*processes):
    for p in processes:
        if p and p.poll() is None:
            p.send_signal(signal.SIGINT if p.args[0] == "ffmpeg" else signal.SIGTERM)
    for p in processes:
        if p:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def machine_load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def wait_for(url, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return http_get(url)
        except Exception:
            time.sleep(0.25)
    sys.exit(f"{url} did not answer within {seconds}s")


# ---------------------------------------------------------------- publishers

def barcode_filter(work, fps=30):
    """The barcode filter of barcode.mjs (the one implementation, shared with the players and the browser tests):
    paints epoch-ms mod 2^24 (bit k = block k, black = 1) and its inverse below, taken when the frame is read."""
    path = os.path.join(work, f"barcode{fps}.filter")
    with open(path, "w") as out:
        subprocess.run(["node", os.path.join(HERE, "barcode.mjs"), "filter", str(fps)], stdout=out, check=True)
    return path


def publish_barcode(work, url, gop=1, fps=30):
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate={fps}",
         "-re", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-filter_script:v", barcode_filter(work, fps),
         "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
         "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k", "-g", str(fps * gop), "-keyint_min", str(fps * gop),
         "-sc_threshold", "0", "-c:a", "aac", "-b:a", "128k", "-f", "flv", url], stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)


def make_clip(work):
    # kept between runs (same arguments, same bytes): encoding it takes minutes on a busy machine
    clip = os.path.join(tempfile.gettempdir(), "openivs-bench-clip-720p30-2500k-g60.flv")
    if not os.path.exists(clip):
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                        "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-c:v", "libx264", "-preset", "veryfast",
                        "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k", "-g", "60", "-keyint_min", "60",
                        "-sc_threshold", "0", "-c:a", "aac", "-b:a", "128k", "-t", "30", "-f", "flv", clip + ".part"], check=True)
        os.replace(clip + ".part", clip)
    return clip


def publish_clip(clip, url):
    return subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip,
                             "-c", "copy", "-f", "flv", url], stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)


# ---------------------------------------------------------------- servers

class OpenIvs:
    def __init__(self, work, cli=None, **extra_env):
        self.http, rtmp, rtmps = free_port(), free_port(), free_port()
        self.rtmp = rtmp
        env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET,
                   OPENIVS_Transcoding__Enabled="false", **extra_env)  # transmux only (bench/transcode measures transcoding)
        self.log = open(os.path.join(work, "openivs.log"), "w")
        self.proc = subprocess.Popen(
            ["dotnet", os.path.join(os.path.abspath(cli) if cli else CLI, "openivs.dll"), "serve", "--data-dir", os.path.join(work, f"openivs-{self.http}"),
             "--http", f"127.0.0.1:{self.http}", "--rtmp", f"127.0.0.1:{rtmp}", "--rtmps", f"127.0.0.1:{rtmps}",
             "--srt", f"127.0.0.1:{free_port()}", "--log-level", "Warning"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(f"http://127.0.0.1:{self.http}/health", 60)
        self.client = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{self.http}", region_name="us-west-2",
                                   aws_access_key_id=KEY, aws_secret_access_key=SECRET)

    def channel(self, latency="LOW", container="FRAGMENTED_MP4", record=False, name="bench"):
        extra = {}
        if record:  # auto-record to the embedded destination, thumbnails every 5 s
            rc = self.client.create_recording_configuration(
                destinationConfiguration={"s3": {"bucketName": "bench-recordings"}},
                thumbnailConfiguration={"recordingMode": "INTERVAL", "targetIntervalSeconds": 5})["recordingConfiguration"]["arn"]
            while self.client.get_recording_configuration(arn=rc)["recordingConfiguration"]["state"] != "ACTIVE":
                time.sleep(0.1)
            extra["recordingConfigurationArn"] = rc
        ch = self.client.create_channel(name=name, latencyMode=latency, type="STANDARD", insecureIngest=True,
                                        containerFormat=container, **extra)
        return f"rtmp://127.0.0.1:{self.rtmp}/app/{ch['streamKey']['value']}", ch["channel"]["playbackUrl"]

    def close(self):
        stop(self.proc)
        self.log.close()


class Nginx:
    """nginx with the RTMP module (HLS into www/hls, 1 s fragments) and http serving www/ statically."""

    def __init__(self, work, workers="1"):
        self.rtmp, self.http = free_port(), free_port()
        self.dir = os.path.join(work, f"nginx-{self.http}")
        self.www = os.path.join(self.dir, "www")
        os.makedirs(os.path.join(self.www, "hls"))
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read and write the temporary directory
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
{user}
daemon off;
master_process on;
worker_processes {workers};
error_log {self.dir}/error.log warn;
pid {self.dir}/nginx.pid;
events {{ worker_connections 8192; }}
rtmp {{ server {{ listen 127.0.0.1:{self.rtmp}; chunk_size 4096;
  application app {{ live on; record off; hls on; hls_path {self.www}/hls; hls_fragment 1s; hls_playlist_length 6s; }} }} }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy; fastcgi_temp_path {self.dir}/fastcgi;
  uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
  types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; video/iso.segment m4s; video/mp4 mp4; }}
  server {{ listen 127.0.0.1:{self.http};
    location / {{ root {self.www}; add_header Access-Control-Allow-Origin *; add_header Cache-Control no-cache; }} }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir], stdout=DEVNULL, stderr=DEVNULL)
        time.sleep(0.5)
        if self.proc.poll() is not None:
            sys.exit(f"nginx did not start: {open(os.path.join(self.dir, 'error.log')).read()}")

    def close(self):
        stop(self.proc)


def publish_cli():
    for tool in ("ffmpeg", "nginx", "dotnet", "node", "wrk", "chromium"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is required (apt-get install ffmpeg nginx libnginx-mod-rtmp chromium wrk)")
    subprocess.run(["dotnet", "publish", os.path.join(ROOT, "src", "OpenIvs.Cli", "OpenIvs.Cli.csproj"), "-c", "Release",
                    "-o", os.path.join(ROOT, "artifacts", "cli"), "--nologo", "-v", "quiet"], check=True)


def media_playlist_url(multivariant_url):
    text = http_get(multivariant_url).decode()
    variant = next(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return urljoin(multivariant_url, variant)


# ---------------------------------------------------------------- latency

def player_configs(args):
    """The players to run: hls.js in stock low-latency mode as a user's own player has it, hls.js with the watch page's
    configuration, and "ivs": the IVS web player (npm amazon-ivs-player, installed at run time, see ivs_player_dir)."""
    known = {"stock": json.dumps({"lowLatencyMode": True}), "watch": WATCH_PAGE_HLS_CONFIG, "ivs": None}
    if args.hls_config:
        return [("custom", args.hls_config)]
    return [(name, known[name]) for name in args.players.split(",")]


def latency_variants(args):
    """(name, extra OpenIVS environment) per --variant NAME[:VAR=VALUE,...]; one unnamed variant without any."""
    variants = []
    for spec in args.variant or [""]:
        name, _, env = spec.partition(":")
        extra = dict(kv.split("=", 1) for kv in args.server_env)
        extra.update(dict(kv.split("=", 1) for kv in env.split(",") if kv))
        variants.append((name or "-", extra))
    return variants
IVS_PLAYER_DIR = os.path.join(HERE, ".ivs-player")  # gitignored: the player is never committed


def ivs_player_dir(version):
    """Installs the IVS web player from npm at run time into a gitignored directory (`npm install --no-save`), with
    esbuild to bundle it for the page as an application would; the player is under Amazon's proprietary licence, so it
    is never committed or bundled into OpenIVS."""
    package = os.path.join(IVS_PLAYER_DIR, "node_modules", "amazon-ivs-player", "package.json")
    installed = json.load(open(package))["version"] if os.path.exists(package) else None
    if installed != version or not os.path.exists(os.path.join(IVS_PLAYER_DIR, "node_modules", "esbuild")):
        os.makedirs(IVS_PLAYER_DIR, exist_ok=True)
        if not os.path.exists(os.path.join(IVS_PLAYER_DIR, "package.json")):
            with open(os.path.join(IVS_PLAYER_DIR, "package.json"), "w") as f:
                f.write('{"private": true}\n')
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", f"amazon-ivs-player@{version}",
                        "esbuild", "events", "util"], cwd=IVS_PLAYER_DIR, check=True)
    return IVS_PLAYER_DIR


def start_player(config_name, config, url, args):
    """The latency probe of one player configuration: player.mjs (hls.js) or ivs-player.mjs (the IVS web player)."""
    if config_name == "ivs":
        return subprocess.Popen(["node", os.path.join(HERE, "ivs-player.mjs"), url, str(args.warmup), str(args.measure)],
                                stdout=subprocess.PIPE, text=True, env=dict(os.environ, IVS_PLAYER_DIR=ivs_player_dir(args.ivs_version)))
    return subprocess.Popen(["node", os.path.join(HERE, "player.mjs"), url, str(args.warmup), str(args.measure), config],
                            stdout=subprocess.PIPE, text=True)


def latency(args, work):
    print(f"glass-to-glass latency: 720p{args.fps} barcode pattern, x264 veryfast zerolatency 2.5 Mbps, {args.gop} s GOP; "
          f"warm-up {args.warmup}s, measure {args.measure}s, {args.rounds} round(s); {os.cpu_count()} cores, load {machine_load()}")
    print(f"{'server':8} {'variant':8} {'player':6} {'frames':>6} {'bad':>4} {'median s':>9} {'p95 s':>6} {'min s':>6} {'max s':>6} "
          f"{'first/last min':>14} {'slope s/min':>11} {'start s':>7} {'1st frame s':>11} {'hls.js latency':>15} {'target':>7} {'stalls':>6} {'dropped':>7} "
          f"{'CPU% srv':>8} {'pub':>5} {'browser':>7} {'others':>6} {'load':>5}")
    r = None
    results = {}
    for _ in range(args.rounds):
        for name in args.servers.split(","):
            for variant, extra_env in (latency_variants(args) if name.startswith("openivs") else [("-", {})]):
                r = latency_run(args, work, name, variant, extra_env, results) or r
    if args.rounds > 1:
        print(f"medians of {args.rounds} rounds:")
        for (name, variant, config_name), rows in results.items():
            med = lambda key: statistics.median([x[key] for x in rows if x.get(key) is not None] or [float("nan")]) / 1000
            runs = ", ".join(f"{x['median'] / 1000:.2f}" for x in rows)
            print(f"{name:8} {variant:8} {config_name:6} median {med('median'):.2f} s (runs: "
                  f"{runs}), p95 {med('p95'):.2f} s, start {med('startLatency'):.2f} s, first frame after {med('startup'):.2f} s, "
                  f"stalls {sum(x['stalls'] for x in rows)}, others {statistics.median(x['others'] for x in rows):.0f}%")
    if r and "hlsVersion" in r:
        print(f"hls.js {r['hlsVersion']}; stock = {player_configs(argparse.Namespace(hls_config=None, players='stock'))[0][1]}, "
              f"watch = {WATCH_PAGE_HLS_CONFIG}; Chromium {chromium_version()}")


def latency_run(args, work, name, variant, extra_env, results):
    """One server, one publisher, each player configuration after the other; a row each."""
    if name in ("openivs", "openivs-rec", "openivs-ts"):
        server = OpenIvs(work, **extra_env)
        ingest, url = server.channel("LOW", "TS" if name == "openivs-ts" else "FRAGMENTED_MP4", record=name == "openivs-rec")
    else:
        server = Nginx(work)
        ingest, url = f"rtmp://127.0.0.1:{server.rtmp}/app/stream", f"http://127.0.0.1:{server.http}/hls/stream.m3u8"
    publisher = player = None
    r = None
    try:
        publisher = publish_barcode(work, ingest, args.gop, args.fps)
        wait_for(url, 30)
        for config_name, config in player_configs(args):
            if config_name == "watch" and isinstance(server, OpenIvs):
                channel_id = url[url.rindex(".", 0, -5) + 1:-5]
                config = json.dumps({"page": f"http://127.0.0.1:{server.http}/watch/{channel_id}"})
            player = start_player(config_name, config, url, args)
            meter = CpuMeter(server=server.proc, publisher=publisher, browser=player)
            time.sleep(args.warmup + 3)
            meter.start()
            time.sleep(args.measure - 3)
            cpu = meter.stop()
            out, _ = player.communicate(timeout=120)
            player = None
            if not out.strip():
                print(f"{name:8} {variant:8} {config_name:6} the player failed (see its error above)", flush=True)
                continue
            r = json.loads(out.strip().splitlines()[-1])
            fmt = lambda v: f"{v / 1000:.2f}" if v is not None else "-"
            if config_name == "ivs":  # the player's own estimate (getLiveLatency), its buffer; stalls: rebuffering events
                hl = f"{r['playerLatency']:.2f}" if r.get("playerLatency") else "-"
                tl = f"b{r['buffer']:.2f}" if r.get("buffer") is not None else "-"
                r.setdefault("stalls", r.get("rebuffering", 0))
            else:
                hl = f"{r['hlsLatency']:.2f}" if r["hlsLatency"] else "-"
                tl = f"{r['hlsTargetLatency']:.2f}" if r["hlsTargetLatency"] else "-"
            drift = f"{fmt(r.get('firstMinute'))}/{fmt(r.get('lastMinute'))}"
            slope = f"{r['slope']:+.3f}" if r.get("slope") is not None else "-"
            print(f"{name:8} {variant:8} {config_name:6} {r['samples']:>6} {r['undecodable']:>4} {fmt(r['median']):>9} {fmt(r['p95']):>6} "
                  f"{fmt(r['min']):>6} {fmt(r['max']):>6} {drift:>14} {slope:>11} {fmt(r.get('startLatency')):>7} {fmt(r.get('startup')):>11} {hl:>15} {tl:>7} "
                  f"{r['stalls']:>6} {r['dropped']:>7} {cpu['server']:>8.1f} {cpu['publisher']:>5.0f} {cpu['browser']:>7.0f} "
                  f"{cpu['others']:>6.0f} {machine_load():>5}", flush=True)
            errors = r["errors"]
            if config_name == "ivs":
                print(f"  ivs ({name}): amazon-ivs-player {r['version']}, state {r['state']}, low-latency {r['lowLatency']}, "
                      f"longest gap between frames {r['longestGap'] / 1000:.2f} s, video waiting events {r['waiting']}")
                errors = [e for e in errors if "ERR_NAME_NOT_RESOLVED" not in e and "PoPClient" not in e]  # its telemetry
            if errors:
                print(f"  player errors ({name}, {config_name}): {'; '.join(errors[:5])}")
            if r["median"] is not None:
                results.setdefault((name, variant, config_name), []).append(dict(r, others=cpu["others"]))
    finally:
        stop(player, publisher)
        server.close()
    return r


def part_delays(args, work):
    """parts: how long after capture each LL-HLS part reaches a viewer, without a browser: a client asks for each part as
    EXT-X-PRELOAD-HINT names it (the request is held until the part exists) and notes when it arrived; afterwards ffmpeg
    decodes the parts and the barcode of each part's last frame gives that frame's capture time. Delay = arrival -
    capture of the part's last frame: encoding, RTMP, ingest (receive coalescing), packaging (when a part closes), HTTP.
    What the server adds to a player's latency beyond its hold-back, free of the browser's noise."""
    print(f"part delays: 720p{args.fps} barcode pattern, x264 veryfast zerolatency 2.5 Mbps, {args.gop} s GOP; warm-up {args.warmup}s, "
          f"measure {args.measure}s, {args.rounds} round(s); {os.cpu_count()} cores, load {machine_load()}")
    print(f"{'variant':10} {'parts':>5} {'median ms':>9} {'p95 ms':>6} {'min ms':>6} {'max ms':>6} {'CPU% srv':>8} {'others':>6} {'load':>5}")
    results = {}
    for _ in range(args.rounds):
        for variant, extra_env in latency_variants(args):
            server = OpenIvs(work, **extra_env)
            ingest, url = server.channel("LOW", "FRAGMENTED_MP4")
            publisher = publish_barcode(work, ingest, args.gop, args.fps)
            try:
                wait_for(url, 30)
                media = media_playlist_url(url)
                time.sleep(args.warmup)
                meter = CpuMeter(server=server.proc, publisher=publisher)
                meter.start()
                delays = follow_parts(work, media, args.measure)
                cpu = meter.stop()
            finally:
                stop(publisher)
                server.close()
            delays.sort()
            pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
            print(f"{variant:10} {len(delays):>5} {pick(0.5):>9.0f} {pick(0.95):>6.0f} {delays[0]:>6.0f} {delays[-1]:>6.0f} "
                  f"{cpu['server']:>8.1f} {cpu['others']:>6.0f} {machine_load():>5}", flush=True)
            results.setdefault(variant, []).append((pick(0.5), pick(0.95), cpu["others"]))
    if args.rounds > 1:
        print(f"medians of {args.rounds} rounds:")
        for variant, rows in results.items():
            print(f"{variant:10} median {statistics.median(r[0] for r in rows):.0f} ms (runs: {', '.join(f'{r[0]:.0f}' for r in rows)}), "
                  f"p95 {statistics.median(r[1] for r in rows):.0f} ms, others {statistics.median(r[2] for r in rows):.0f}%")


def follow_parts(work, media, seconds):
    """Fetches every part from the newest keyframe part on, each as soon as it exists; returns the delays in ms."""
    text = http_get(media).decode()
    init = http_get(urljoin(media, re.search(r'#EXT-X-MAP:URI="([^"]+)"', text).group(1)))
    independent = [int(m) for m in re.findall(r'#EXT-X-PART:[^\n]*URI="part(\d+)\.m4s",INDEPENDENT=YES', text)]
    hint = int(re.search(r'#EXT-X-PRELOAD-HINT:[^\n]*URI="part(\d+)\.m4s"', text).group(1))
    parts = []  # (number, arrival epoch ms or None for parts that existed already, bytes)
    number = independent[-1]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        body = http_get(urljoin(media, f"part{number}.m4s"), timeout=10)
        parts.append((number, time.time() * 1000 if number >= hint else None, body))
        number += 1
    path = os.path.join(work, "parts.mp4")
    offsets = []
    with open(path, "wb") as f:
        f.write(init)
        for _, arrival, body in parts:
            offsets.append((f.tell(), f.tell() + len(body), arrival))
            f.write(body)
    packets = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos", "-of", "csv=p=0", path],
                             capture_output=True, text=True, check=True).stdout.split()
    width = BITS * BLOCK
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough", "-vf", f"crop={width}:{2 * BLOCK}:0:0,format=gray",
                          "-f", "rawvideo", "-"], capture_output=True, check=True).stdout
    size = width * 2 * BLOCK
    frames = [raw[i:i + size] for i in range(0, len(raw) - size + 1, size)]
    if len(frames) != len(packets):
        sys.exit(f"{len(frames)} frames decoded from {len(packets)} packets")

    def capture(frame):
        def dark(bit, row):
            cx, cy = bit * BLOCK + BLOCK // 2, row * BLOCK + BLOCK // 2
            return sum(frame[y * width + x] for y in range(cy - 3, cy + 3) for x in range(cx - 3, cx + 3)) / 36 < 128
        code = 0
        for k in range(BITS):
            bit = dark(k, 0)
            if bit == dark(k, 1):
                return None
            code += bit << k
        return code

    last = {}  # part index -> capture code of its last frame
    for pos, frame in zip(packets, frames):
        pos = int(pos)
        index = next(i for i, (start, stop, _) in enumerate(offsets) if start <= pos < stop)
        last[index] = capture(frame)
    return [((arrival - code) % 2 ** BITS) for i, (_, _, arrival) in enumerate(offsets)
            if arrival is not None and last.get(i) is not None for code in [last[i]]]


def chromium_version():
    try:
        return subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.split()[1]
    except Exception:
        return "?"


# ---------------------------------------------------------------- fan-out

def fanout(args, work):
    clip = make_clip(work)
    server = OpenIvs(work)
    try:
        ingest, url = server.channel("LOW", "FRAGMENTED_MP4")
        publisher = publish_clip(clip, ingest)
        try:
            wait_for(url, 30)
            time.sleep(4)
            print(f"LL-HLS fan-out: one 720p30 2.5 Mbps + 128 kb/s stream, LOW latency fMP4 channel; ramp {args.ramp}s, "
                  f"warm-up {args.warmup}s, measure {args.measure}s, {args.workers} load-generator processes; "
                  f"{os.cpu_count()} cores, load {machine_load()}")
            print(f"{'viewers':>7} {'req/s':>7} {'MB/s':>7} {'Mb/s/viewer':>11} {'part p50 ms':>11} {'p99':>5} {'max':>5} "
                  f"{'behind':>6} {'errors':>6} {'lag histogram (parts: viewers)':<32} {'CPU% srv':>8} {'loadgen':>7} {'pub':>4} {'others':>6}")
            for n in [int(v) for v in args.viewers.split(",")]:
                gen = subprocess.Popen(["node", os.path.join(HERE, "viewers.mjs"), url, str(n), str(args.ramp), str(args.warmup),
                                        str(args.measure), str(args.workers)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                meter = CpuMeter(server=server.proc, loadgen=gen, publisher=publisher)
                time.sleep(0.5 + args.ramp + args.warmup + 0.5)
                meter.start()
                time.sleep(args.measure - 1)
                cpu = meter.stop()
                out, err = gen.communicate(timeout=args.measure + 60)
                if not out.strip():
                    print(f"{n:>7} load generator failed (exit {gen.returncode}): {err.strip()[-400:]}", flush=True)
                    continue
                r = json.loads(out.strip().splitlines()[-1])
                hist = " ".join(f"{k}:{v}" for k, v in sorted(r["lagParts"]["histogram"].items(), key=lambda kv: int(kv[0])))
                if r["notListed"] or r["neverFetched"]:
                    hist += f" far:{r['notListed']} none:{r['neverFetched']}"
                pt = r["partFetchMs"]
                print(f"{n:>7} {r['requestsPerSecond']:>7.0f} {r['bytesPerSecond'] / 1e6:>7.1f} "
                      f"{r['bytesPerSecond'] * 8 / 1e6 / n:>11.2f} {pt['p50'] or 0:>11} {pt['p99'] or 0:>5} {pt['max'] or 0:>5} "
                      f"{r['behind']:>6} {r['errors']:>6} {hist:<32} {cpu['server']:>8.0f} {cpu['loadgen']:>7.0f} "
                      f"{cpu['publisher']:>4.0f} {cpu['others']:>6.0f}", flush=True)
                if r.get("errorKinds"):
                    print("        errors: " + "  ".join(f"{k}: {v}" for k, v in sorted(r["errorKinds"].items(), key=lambda kv: -kv[1])), flush=True)
                if publisher.poll() is not None:
                    sys.exit("the publisher stopped")
                time.sleep(3)
        finally:
            stop(publisher)
    finally:
        server.close()


# ---------------------------------------------------------------- memory

def rss_kb(pids):
    """Resident set size (VmRSS) summed over processes, in kB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            pass
    return total


def publish_tee(clip, urls, per_process=25):
    """Real-time publishers of the clip, one ffmpeg per `per_process` URLs (the tee muxer): 100 ffmpegs would starve the machine."""
    procs = []
    for i in range(0, len(urls), per_process):
        outputs = "|".join(f"[f=flv:onfail=ignore]{u}" for u in urls[i:i + per_process])
        procs.append(subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip,
                                       "-map", "0", "-c", "copy", "-f", "tee", outputs], stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL))
    return procs


def metrics_text(server):
    """The server's /metrics (Prometheus text), or "" when it does not answer."""
    try:
        return http_get(f"http://127.0.0.1:{server.http}/metrics", timeout=30).decode()
    except Exception:
        return ""


def series(text, prefix, label=None):
    """The sum of the /metrics series whose name starts with `prefix` (and whose line holds `label`), or nan."""
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(prefix) and (label is None or label in line)]
    return sum(values) if values else float("nan")


def gc_view(server):
    """The .NET GC's own figures from the server's /metrics (runtime instrumentation), in MB: heap (after the last
    collection), committed, fragmentation."""
    text = metrics_text(server)
    if not text:
        return None
    mb = lambda prefix: series(text, prefix) / 1024 / 1024
    return {"heap": mb("dotnet_gc_last_collection_heap_size_bytes"),
            "committed": mb("dotnet_gc_last_collection_memory_committed_size_bytes"),
            "fragmentation": mb("dotnet_gc_last_collection_heap_fragmentation_size_bytes")}


ARENA_BYTES = 64 * 1024 * 1024  # glibc: each thread arena is a 64 MB-aligned reservation of 64 MB


def stack_pointers(pid):
    """The stack pointer of each thread waiting in a system call (/proc/PID/task/TID/syscall), to find their stacks."""
    pointers = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as f:
                fields = f.read().split()
            if len(fields) >= 9:
                pointers.append(int(fields[7], 16))
        except (OSError, ValueError):
            pass
    return pointers


def smaps(pid):
    """Resident kB of a process by kind of mapping: "stacks" (thread stacks: the mappings that hold a waiting thread's
    stack pointer; "stack count" of them), "arenas" (glibc malloc arenas of threads: 64 MB-aligned, 64 MB with their
    reserved tail), "anon" (the rest of the anonymous memory: GC heap, the runtime's own heaps), the main malloc heap
    ([heap]), JIT'd code (the runtime's double-mapped memfd), native libraries, assemblies and other files."""
    maps = []  # [start, end, perms, kind, rss kB]
    try:
        pointers = stack_pointers(pid)
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                head, _, rest = line.partition(" ")
                if not head.endswith(":"):  # a mapping: "start-end perms offset dev inode [path]"
                    fields = rest.split(None, 4)
                    path = fields[4].strip() if len(fields) > 4 else ""
                    start, end = (int(v, 16) for v in head.split("-"))
                    kind = ("anon" if not path or path.startswith("[anon") else "heap" if path == "[heap]"
                            else "stack" if path.startswith("[stack") else "jit" if "doublemapper" in path
                            else "libs" if ".so" in path else "dlls" if path.endswith(".dll") else "files")
                    maps.append([start, end, fields[0], kind, 0])
                elif head == "Rss:" and maps:
                    maps[-1][4] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return {"stack count": 0}
    kinds = {"stack count": 0}
    for i, (start, end, perms, kind, rss) in enumerate(maps):
        if kind == "anon" and perms.startswith("rw"):
            after = maps[i + 1] if i + 1 < len(maps) else None
            if any(start <= sp < end for sp in pointers):
                kind = "stacks"
                kinds["stack count"] += 1
            elif start % ARENA_BYTES == 0 and (end - start == ARENA_BYTES or (
                    after and after[3] == "anon" and after[2].startswith("---") and after[0] == end and after[1] - start == ARENA_BYTES)):
                kind = "arenas"
        kinds[kind] = kinds.get(kind, 0) + rss
    return kinds


def snapshot(server):
    """What --breakdown compares between two moments: smaps kinds (MB), threads (all, and the thread pool's), the GC's
    committed and live heap (MB), gen0 collections, methods JIT-compiled and MB allocated so far. One /metrics read."""
    pid = server.proc.pid
    with open(f"/proc/{pid}/status") as f:
        threads = next(int(line.split()[1]) for line in f if line.startswith("Threads:"))
    text = metrics_text(server)
    mb = lambda prefix: series(text, prefix) / 1024 / 1024
    kinds = smaps(pid)
    return {**{k: v / 1024 for k, v in kinds.items() if k != "stack count"}, "stack count": kinds["stack count"],
            "threads": threads, "pool threads": series(text, "dotnet_thread_pool_thread_count"),
            "gc committed": mb("dotnet_gc_last_collection_memory_committed_size_bytes"),
            "gc heap": mb("dotnet_gc_last_collection_heap_size_bytes"),
            "gen0 GCs": series(text, "dotnet_gc_collections", 'gen0"'),
            "jit methods": series(text, "dotnet_jit_compiled_methods"),
            "allocated MB": mb("dotnet_gc_heap_total_allocated")}


def breakdown(before, after):
    keys = [k for k in ("anon", "stacks", "arenas", "heap", "jit", "libs", "dlls", "files", "stack")
            if k in before or k in after]
    parts = [f"{k} {after.get(k, 0) - before.get(k, 0):+.1f}" for k in keys]
    more = [f"{k} {before[k]:.1f}->{after[k]:.1f}" for k in ("gc committed", "gc heap")]
    more += [f"{k} {before[k]:.0f}->{after[k]:.0f}" for k in ("threads", "pool threads", "stack count", "gen0 GCs", "jit methods")]
    more.append(f"allocated MB {before['allocated MB']:.1f}->{after['allocated MB']:.1f}")
    return "RSS MB by kind: " + ", ".join(parts) + "; " + ", ".join(more)


def churn(args, work):
    """Memory coming back after many short sessions: publishers that reconnect every --session seconds."""
    clip = make_clip(work)
    print(f"churn: {args.publishers} publishers of a 2.5 Mbps stream, each reconnecting every {args.session}s for "
          f"{args.churn_minutes} min; RSS of the server's process tree; 'after' = {args.settle}s after the last stream "
          f"ended; {os.cpu_count()} cores, load {machine_load()}")
    print(f"{'server':16} {'sessions':>8} {'idle MB':>8} {'peak MB':>8} {'after MB':>8} {'after-idle':>10} "
          f"{'GC heap':>8} {'GC commit':>9} {'GC frag':>7}")
    for name in args.servers.split(","):
        if not name.startswith("openivs"):
            continue
        extra = {"OPENIVS_Playback__Enabled": "false"} if name == "openivs-ingest" else {}
        extra.update(kv.split("=", 1) for kv in args.server_env)
        server = OpenIvs(work, OPENIVS_Quotas__ConcurrentStreams=str(args.publishers + 10),
                         OPENIVS_Monitoring__MetricsOnHttp="true", **extra)
        urls = [server.channel("LOW", "FRAGMENTED_MP4", name=f"c{i}")[0] for i in range(args.publishers)]
        running = [None] * args.publishers
        try:
            time.sleep(3)
            idle = rss_kb(tree(server.proc.pid))
            start = time.monotonic()
            end = start + args.churn_minutes * 60
            next_start = [start + i * args.session / args.publishers for i in range(args.publishers)]  # staggered
            sessions, peak = 0, idle
            while time.monotonic() < end or any(p and p.poll() is None for p in running):
                now = time.monotonic()
                for i, p in enumerate(running):
                    if (p is None or p.poll() is not None) and now >= next_start[i] and now < end:
                        running[i] = subprocess.Popen(
                            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip,
                             "-c", "copy", "-t", str(args.session), "-f", "flv", urls[i]],
                            stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
                        sessions += 1
                peak = max(peak, rss_kb(tree(server.proc.pid)))
                time.sleep(1)
            time.sleep(args.settle)
            after = rss_kb(tree(server.proc.pid))
            gc = gc_view(server) or {"heap": float("nan"), "committed": float("nan"), "fragmentation": float("nan")}
            print(f"{name:16} {sessions:>8} {idle / 1024:>8.1f} {peak / 1024:>8.1f} {after / 1024:>8.1f} "
                  f"{(after - idle) / 1024:>10.1f} {gc['heap']:>8.1f} {gc['committed']:>9.1f} {gc['fragmentation']:>7.1f}",
                  flush=True)
        finally:
            stop(*[p for p in running if p])
            server.close()


def prime(server, clip, seconds, streams=1):
    """`streams` streams published for `seconds` and ended before the idle figure: what the first streams cost once (code
    compiled and tiered up for the ingest path, thread-pool threads, pools and runtime structures first used) is then
    in idle, not spread over N."""
    urls = [server.channel("LOW", "FRAGMENTED_MP4", name=f"prime{i}")[0] if isinstance(server, OpenIvs)
            else f"rtmp://127.0.0.1:{server.rtmp}/app/prime{i}" for i in range(streams)]
    publishers = publish_tee(clip, urls)
    time.sleep(seconds)
    stop(*publishers)
    time.sleep(5)  # the end recorded, its buffers returned


def memory_server(work, name, extra, n, quota):
    """A fresh server for the memory benchmark and N ingest URLs. An OpenIVS variant's `cli=DIR` runs that build."""
    if name.startswith("openivs"):
        env = {"OPENIVS_Playback__Enabled": "false"} if name == "openivs-ingest" else {}
        env.update(extra)
        cli = env.pop("cli", None)
        server = OpenIvs(work, cli=cli, OPENIVS_Quotas__ConcurrentStreams=str(quota), OPENIVS_Monitoring__MetricsOnHttp="true", **env)
        return server, [server.channel("LOW", "FRAGMENTED_MP4", name=f"m{i}")[0] for i in range(n)]
    server = Nginx(work)
    return server, [f"rtmp://127.0.0.1:{server.rtmp}/app/stream{i}" for i in range(n)]


def memory_idle(args, server, name, clip):
    """The idle figure (after --prime) and, for --breakdown, the snapshot to compare with. /metrics is read once before,
    so what serving it costs the first time (the exporter's code) is not counted as growth."""
    if args.prime:
        prime(server, clip, args.prime, args.prime_streams)
    breakdown_on = args.breakdown and name.startswith("openivs")
    if breakdown_on:
        metrics_text(server)
    time.sleep(3)
    idle = rss_kb(tree(server.proc.pid))
    return idle, snapshot(server) if breakdown_on else None


def memory_live(args, server, name, publishers):
    """RSS while live (median of 5 samples, 1 s apart), the server's CPU meanwhile, the GC's view and a snapshot."""
    meter = CpuMeter(server=server.proc)
    meter.start()
    samples = []
    for _ in range(5):
        samples.append(rss_kb(tree(server.proc.pid)))
        time.sleep(1)
    cpu = meter.stop()
    gc = gc_view(server) if name.startswith("openivs") else None  # the GC's view while live (last collection)
    if any(p.poll() is not None for p in publishers):
        print(f"  ({name}: a publisher stopped early)")
    return statistics.median(samples), cpu, gc, snapshot(server) if args.breakdown and name.startswith("openivs") else None


MEMORY_HEADER = (f"{'server':16} {'variant':8} {'streams':>7} {'idle MB':>8} {'live MB':>8} {'MB/stream':>9} {'+MB/+stream':>11} "
                 f"{'after MB':>8} {'CPU% srv':>8} {'others':>6} {'GC heap':>8} {'GC commit':>9}")


def memory_row(name, variant, n, idle, live, marginal, after, cpu, gc):
    fmt = lambda v, width, digits: f"{v:>{width}.{digits}f}" if v is not None else f"{'-':>{width}}"
    print(f"{name:16} {variant:8} {n:>7} {idle / 1024:>8.1f} {live / 1024:>8.1f} {(live - idle) / 1024 / n:>9.2f} "
          f"{fmt(marginal, 11, 2)} {fmt(after / 1024 if after is not None else None, 8, 1)} {cpu['server']:>8.0f} "
          f"{cpu['others']:>6.0f} {gc['heap'] if gc else float('nan'):>8.1f} {gc['committed'] if gc else float('nan'):>9.1f}",
          flush=True)


def memory(args, work):
    """Resident memory per live stream: N publishers at once, RSS of the server's process tree before, while live and
    after they ended (when memory should have come back). Beside the average over N (growth / N), the marginal cost:
    growth since the previous row / streams added, which leaves out what the first streams cost once."""
    if args.churn:
        return churn(args, work)
    clip = make_clip(work)
    counts = [int(v) for v in args.streams.split(",")]
    print(f"resident memory per stream: N 2.5 Mbps + 128 kb/s 720p30 streams (2 s GOP, -c copy, {args.warmup}s live before "
          f"measuring), RSS of the server's process tree; {'one server, streams added step by step' if args.stepped else 'a fresh server per row'}; "
          f"+MB/+stream = growth since the previous row / streams added; 'after' = {args.settle}s after the last stream ended; "
          f"prime {args.prime}s x {args.prime_streams} stream(s); {args.rounds} round(s); {os.cpu_count()} cores, load {machine_load()}")
    print(MEMORY_HEADER)
    results = {}
    for _ in range(args.rounds):
        for name in args.servers.split(","):
            for variant, extra in (latency_variants(args) if name.startswith("openivs") else [("-", {})]):
                run = memory_stepped if args.stepped else memory_fresh
                run(args, work, clip, name, variant, extra, counts, results)
    if args.rounds > 1:
        print(f"medians of {args.rounds} rounds (min-max):")
        for (name, variant, n), rows in results.items():
            spread = lambda key: (f"{statistics.median(r[key] for r in rows):.2f} "
                                  f"({min(r[key] for r in rows):.2f}-{max(r[key] for r in rows):.2f})"
                                  if all(r[key] is not None for r in rows) else "-")
            print(f"{name:16} {variant:8} {n:>7} MB/stream {spread('average')}, +MB/+stream {spread('marginal')}, "
                  f"idle MB {spread('idle')}, CPU% srv {spread('cpu')}, others {statistics.median(r['others'] for r in rows):.0f}",
                  flush=True)


def record(results, name, variant, n, idle, live, marginal, cpu):
    results.setdefault((name, variant, n), []).append(
        {"average": (live - idle) / 1024 / n, "marginal": marginal, "idle": idle / 1024, "cpu": cpu["server"], "others": cpu["others"]})


def memory_fresh(args, work, clip, name, variant, extra, counts, results):
    """A fresh server per N (the average over N includes what the first streams cost once)."""
    previous = None  # (n, growth kB) of the previous row
    for n in counts:
        server, urls = memory_server(work, name, extra, n, max(counts) + args.prime_streams + 10)
        publishers = []
        try:
            idle, before = memory_idle(args, server, name, clip)
            publishers = publish_tee(clip, urls)
            time.sleep(args.warmup)
            live, cpu, gc, live_snapshot = memory_live(args, server, name, publishers)
            stop(*publishers)
            publishers = []
            time.sleep(args.settle)
            after = rss_kb(tree(server.proc.pid))
            marginal = (live - idle - previous[1]) / 1024 / (n - previous[0]) if previous and n > previous[0] else None
            memory_row(name, variant, n, idle, live, marginal, after, cpu, gc)
            record(results, name, variant, n, idle, live, marginal, cpu)
            if before:
                print(f"  idle -> live: {breakdown(before, live_snapshot)}", flush=True)
            previous = (n, live - idle)
        finally:
            stop(*publishers)
            server.close()


def memory_stepped(args, work, clip, name, variant, extra, counts, results):
    """One server; streams are added to reach each N in turn (--streams ascending), each level measured after --warmup:
    the growth from one level to the next, per stream added, is what a stream costs once the one-off costs are paid."""
    server, urls = memory_server(work, name, extra, max(counts), max(counts) + args.prime_streams + 10)
    publishers = []
    try:
        idle, previous_snapshot = memory_idle(args, server, name, clip)
        previous_n, previous_live = 0, idle
        for n in counts:
            publishers += publish_tee(clip, urls[previous_n:n])
            time.sleep(args.warmup)
            live, cpu, gc, live_snapshot = memory_live(args, server, name, publishers)
            marginal = (live - previous_live) / 1024 / (n - previous_n) if previous_n else None
            memory_row(name, variant, n, idle, live, marginal, None, cpu, gc)
            record(results, name, variant, n, idle, live, marginal, cpu)
            if previous_snapshot:
                print(f"  {'idle' if not previous_n else previous_n} -> {n}: {breakdown(previous_snapshot, live_snapshot)}", flush=True)
            previous_n, previous_live, previous_snapshot = n, live, live_snapshot
        stop(*publishers)
        publishers = []
        time.sleep(args.settle)
        print(f"  {name} {variant}: {rss_kb(tree(server.proc.pid)) / 1024:.1f} MB {args.settle}s after the {counts[-1]} streams ended",
              flush=True)
    finally:
        stop(*publishers)
        server.close()


# ---------------------------------------------------------------- segments

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.bytes, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def newest_complete_segment(media_url):
    text = http_get(media_url).decode()
    lines = text.splitlines()
    uris = [lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if line.startswith("#EXTINF")]
    if not uris:
        sys.exit(f"no complete segment in {media_url}:\n{text}")
    return urljoin(media_url, uris[-1])


def wrk(url, concurrency, duration, script, server):
    proc = subprocess.Popen(["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{duration}s", "--latency", "-s", script, url],
                            stdout=subprocess.PIPE, text=True)
    meter = CpuMeter(server=server)
    meter.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out, _ = proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, reaped by communicate()
    cpu = meter.stop()
    cpu["wrk"] = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / duration * 100
    cpu["others"] = max(0.0, cpu["others"] - cpu["wrk"])
    m = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out, re.M)
    if not m:
        sys.exit(f"wrk failed:\n{out}")
    requests, nbytes, micros, errors, p50, p99 = map(int, m.groups())
    return {"rps": requests / micros * 1e6, "bps": nbytes / micros * 1e6, "errors": errors, "p50": p50 / 1000,
            "p99": p99 / 1000, "cpu": cpu["server"], "wrk": cpu["wrk"], "others": cpu["others"]}


def segments(args, work):
    clip = make_clip(work)
    script = os.path.join(work, "wrk.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    server = OpenIvs(work)
    nginx = Nginx(work, workers="auto")
    publisher = None
    try:
        ingest, url = server.channel("LOW", "FRAGMENTED_MP4")
        publisher = publish_clip(clip, ingest)
        wait_for(url, 30)
        time.sleep(6)
        media = media_playlist_url(url)
        # warm-up: the JIT's tiered compilation of the serving path runs for seconds after start-up
        warm_url = newest_complete_segment(media)
        with open(os.path.join(nginx.www, "segment.m4s"), "wb") as f:
            f.write(http_get(warm_url))
        for target in (warm_url, f"http://127.0.0.1:{nginx.http}/segment.m4s"):
            subprocess.run(["wrk", "-t2", "-c10", "-d5s", target], capture_output=True)
        print(f"segment serving: wrk -t2, {args.repeat} alternating runs of {args.duration}s per server and concurrency "
              f"(medians shown), OpenIVS live (ingesting one 2.5 Mbps stream) vs nginx static file (sendfile, 2 workers); "
              f"{os.cpu_count()} cores, load {machine_load()}")
        print(f"{'server':8} {'c':>4} {'segment':>10} {'req/s':>8} {'MB/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
              f"{'CPU% srv':>8} {'wrk':>4} {'others':>6} {'MB/s per srv CPU%':>17} {'ratio':>6}  runs MB/s")
        for c in [int(v) for v in args.concurrency.split(",")]:
            runs = {"openivs": [], "nginx": []}
            sizes = []
            for _ in range(args.repeat):
                for name in args.servers.split(","):
                    if name == "openivs":
                        target = newest_complete_segment(media)
                        sizes.append(len(http_get(target)))
                        proc = server.proc
                    else:
                        target, proc = f"http://127.0.0.1:{nginx.http}/segment.m4s", nginx.proc
                    runs[name].append(wrk(target, c, args.duration, script, proc))
            medians = {}
            for name, rs in runs.items():
                if not rs:
                    continue
                med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
                medians[name] = med
                size = statistics.median(sizes) if name == "openivs" else os.path.getsize(os.path.join(nginx.www, "segment.m4s"))
                ratio = f"{medians['openivs']['bps'] / med['bps']:.2f}" if name == "nginx" and "openivs" in medians else ""
                print(f"{name:8} {c:>4} {size:>10.0f} {med['rps']:>8.0f} {med['bps'] / 1e6:>8.1f} {med['p50']:>7.2f} {med['p99']:>7.2f} "
                      f"{med['errors']:>6.0f} {med['cpu']:>8.0f} {med['wrk']:>4.0f} {med['others']:>6.0f} "
                      f"{med['bps'] / 1e6 / max(med['cpu'], 1):>17.1f} {ratio:>6}  "
                      f"{' '.join('%.0f' % (r['bps'] / 1e6) for r in rs)}", flush=True)
    finally:
        stop(publisher)
        nginx.close()
        server.close()


def main():
    # argparse formats the usage with %-interpolation: the docstring's literal % signs must be doubled.
    parser = argparse.ArgumentParser(usage=__doc__.replace("%", "%%"))
    parser.add_argument("bench", nargs="?", choices=["latency", "fanout", "segments", "memory", "parts"])
    parser.add_argument("--memory", action="store_true", help="the memory benchmark (same as `memory`)")
    parser.add_argument("--streams", default="10,50,100", help="memory: live streams at once, one run each")
    parser.add_argument("--settle", type=int, help="memory: seconds after the streams ended before 'after' (75; --churn: 120)")
    parser.add_argument("--prime", type=int, default=0, metavar="SECONDS",
                        help="memory: publish one stream for SECONDS and end it before the idle figure (one-time costs in idle)")
    parser.add_argument("--prime-streams", type=int, default=1, metavar="N",
                        help="memory: how many streams --prime publishes at once (one-off costs that grow with concurrency in idle)")
    parser.add_argument("--stepped", action="store_true",
                        help="memory: one server per configuration, streams added step by step to each --streams count")
    parser.add_argument("--breakdown", action="store_true",
                        help="memory: per OpenIVS row, where the growth is (smaps kinds, GC committed, threads, JIT, allocations)")
    parser.add_argument("--churn", action="store_true", help="memory: publishers reconnecting, memory after they all ended")
    parser.add_argument("--publishers", type=int, default=20, help="memory --churn: publishers at once")
    parser.add_argument("--session", type=int, default=20, help="memory --churn: seconds each session lasts before reconnecting")
    parser.add_argument("--churn-minutes", type=float, default=5, help="memory --churn: how long publishers keep reconnecting")
    parser.add_argument("--servers", default="openivs,nginx")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--measure", type=int)
    parser.add_argument("--viewers", default="100,500,1000")
    parser.add_argument("--ramp", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", default="10,50")
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--players", default="stock,watch",
                        help="latency: stock (hls.js, lowLatencyMode only), watch (hls.js, the watch page's catch-up) and/or ivs "
                             "(the IVS web player, npm amazon-ivs-player installed at run time)")
    parser.add_argument("--ivs-version", default="1.56.1", help="latency: the amazon-ivs-player version --players ivs installs")
    parser.add_argument("--hls-config", help="latency: one custom hls.js config JSON instead of --players")
    parser.add_argument("--gop", type=int, default=1, help="latency: keyframe interval of the publisher, seconds")
    parser.add_argument("--fps", type=int, default=30, help="latency: frame rate of the publisher (30 or 60)")
    parser.add_argument("--rounds", type=int, default=1, help="latency, memory: run everything this many times, alternating, and print medians")
    parser.add_argument("--variant", action="append", metavar="NAME[:VAR=VALUE,...]",
                        help="latency, parts, memory: an OpenIVS configuration to compare (environment variables; memory also "
                             "cli=DIR, another published build); repeatable, run alternately")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="latency, memory: an environment variable for OpenIVS (e.g. OPENIVS_PART_TARGET=00:00:00.200); repeatable")
    parser.add_argument("--cli", help="run this published OpenIVS build (a directory with openivs.dll) instead of publishing one")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs) and print its path")
    args = parser.parse_args()
    if args.memory:
        args.bench = "memory"
    if args.bench is None:
        parser.error("which benchmark: latency, fanout, segments or memory")
    if args.bench in ("latency", "parts"):
        args.warmup, args.measure = args.warmup or (20 if args.bench == "latency" else 5), args.measure or (45 if args.bench == "latency" else 20)
    elif args.bench == "memory":
        args.warmup, args.measure = args.warmup or 40, args.measure or 5
        args.settle = args.settle if args.settle is not None else (120 if args.churn else 75)
    else:
        args.warmup, args.measure = args.warmup or 10, args.measure or 20
    if args.cli:
        global CLI
        CLI = os.path.abspath(args.cli)
    elif "openivs" in args.servers or args.bench == "fanout":
        publish_cli()
    work = tempfile.mkdtemp(prefix="openivs-playbench-")
    try:
        {"latency": latency, "fanout": fanout, "segments": segments, "memory": memory, "parts": part_delays}[args.bench](args, work)
    finally:
        if args.keep:
            print(f"work directory: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
