#!/usr/bin/env python3
"""Monitoring overhead benchmark (not a test): what metrics and tracing cost, as a ratio measured in one run.

Five `openivs serve` processes run side by side: "off" (defaults: no metrics, no tracing), "metrics"
(--metrics-listen scraped every second, --log-format json), "all" (that plus --otlp-endpoint to a local OTLP sink,
--trace-sample-ratio 1: every request traced), "sampled" (as "all" with the default ratio, 0.1) and "unsampled"
(ratio 0: tracing on, nothing sampled). They see the same load at the same time, so background load on a shared
machine hits them alike; each figure is a ratio to "off", and the traced servers' CPU per request also to
"metrics", their peer without tracing.

1. API: GetChannel with wrk (SigV4-signed with botocore, replayed), c=32, runs alternating between the servers:
   throughput, and server CPU time per request (what throughput is made of once the server is CPU-bound; less
   disturbed by other load than throughput), each as the median ratio to "off" over the rounds.
2. Ingest: N publishers per server replay a pre-encoded 720p 2.5 Mbps clip (-c copy); CPU per stream of each server
   over the same window.

usage: bench/monitoring/run.py [--seconds 10] [--rounds 3] [--streams 10] [--measure 20] [--skip-ingest]
"""
import argparse
import http.server
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from procstats import cpu_seconds, free_port  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY, SECRET = "AKIABENCHMARK0000000", "benchmark-secret-benchmark-secret-00000"


class OtlpSink(http.server.BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports and counts their bytes (a collector that drops everything)."""
    received = 0

    def do_POST(self):
        OtlpSink.received += len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def start_server(name, work, extra):
    ports = {"http": free_port(), "rtmp": free_port(), "rtmps": free_port()}
    env = dict(os.environ, OPENIVS_ACCESS_KEY_ID=KEY, OPENIVS_SECRET_ACCESS_KEY=SECRET)
    process = subprocess.Popen(
        ["dotnet", os.path.join(ROOT, "artifacts", "cli", "openivs.dll"), "serve", "--data-dir", os.path.join(work, name),
         "--http", f"127.0.0.1:{ports['http']}", "--rtmp", f"127.0.0.1:{ports['rtmp']}", "--rtmps", f"127.0.0.1:{ports['rtmps']}",
         "--srt", "off", "--log-level", "Warning", *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = boto3.client("ivs", endpoint_url=f"http://127.0.0.1:{ports['http']}", region_name="us-west-2",
                          aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    for _ in range(300):
        try:
            client.list_channels()
            break
        except Exception:
            time.sleep(0.2)
    return process, ports, client


def scrape_forever(url, stop):
    while not stop.is_set():
        try:
            urllib.request.urlopen(url, timeout=5).read()
        except OSError:
            pass
        stop.wait(1)


def wrk_run(port, lua, seconds, pid):
    """Runs wrk; returns (requests per second, server CPU microseconds per request)."""
    cpu0 = cpu_seconds([pid])
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", lua, f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True).stdout
    cpu1 = cpu_seconds([pid])
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    total = re.search(r"([0-9]+) requests in", out)
    if not rps or not total or int(total.group(1)) == 0:
        return 0.0, float("inf")
    return float(rps.group(1)), (cpu1 - cpu0) * 1e6 / int(total.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--measure", type=int, default=20)
    parser.add_argument("--skip-ingest", action="store_true", help="only the API part")
    args = parser.parse_args()

    subprocess.run(["dotnet", "publish", os.path.join(ROOT, "src", "OpenIvs.Cli", "OpenIvs.Cli.csproj"), "-c", "Release",
                    "-o", os.path.join(ROOT, "artifacts", "cli"), "--nologo", "-v", "quiet"], check=True)
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), OtlpSink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    work = tempfile.mkdtemp(prefix="openivs-monitoring-bench-")
    scrape_ports = {"metrics": free_port(), "all": free_port(), "sampled": free_port(), "unsampled": free_port()}
    otlp = f"http://127.0.0.1:{sink.server_address[1]}"
    servers = {
        "off": start_server("off", work, []),
        "metrics": start_server("metrics", work, ["--metrics-listen", f"127.0.0.1:{scrape_ports['metrics']}", "--log-format", "json"]),
        "all": start_server("all", work, ["--metrics-listen", f"127.0.0.1:{scrape_ports['all']}", "--log-format", "json",
                                          "--otlp-endpoint", otlp, "--trace-sample-ratio", "1"]),
        "sampled": start_server("sampled", work, ["--metrics-listen", f"127.0.0.1:{scrape_ports['sampled']}", "--log-format", "json",
                                                  "--otlp-endpoint", otlp]),
        # Tracing on, no request sampled: what every unsampled request pays (should be next to nothing).
        "unsampled": start_server("unsampled", work, ["--metrics-listen", f"127.0.0.1:{scrape_ports['unsampled']}", "--log-format", "json",
                                                      "--otlp-endpoint", otlp, "--trace-sample-ratio", "0"]),
    }
    stop = threading.Event()
    for port in scrape_ports.values():
        threading.Thread(target=scrape_forever, args=(f"http://127.0.0.1:{port}/metrics", stop), daemon=True).start()
    publishers = []
    try:
        print(f"OpenIVS monitoring overhead: {os.cpu_count()} cores, {args.rounds} alternating rounds of {args.seconds}s")
        ratios = {name: [] for name in servers if name != "off"}
        cpu_ratios = {name: [] for name in ratios}
        for name, (_, ports, client) in servers.items():
            arn = client.create_channel(name="bench")["channel"]["arn"]
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "api", "sign.py"), f"http://127.0.0.1:{ports['http']}",
                            "us-west-2", KEY, SECRET, os.path.join(work, f"{name}.lua"), "GetChannel", f'{{"arn":"{arn}"}}'], check=True)
        for round_ in range(1, args.rounds + 1):
            order = list(servers.items()) if round_ % 2 else list(reversed(servers.items()))
            result = {name: wrk_run(ports["http"], os.path.join(work, f"{name}.lua"), args.seconds, process.pid)
                      for name, (process, ports, _) in order}
            for name in ratios:
                ratios[name].append(result[name][0] / max(result["off"][0], 1))
                # CPU per request is what throughput is made of on a busy server, and other load disturbs it less.
                cpu_ratios[name].append(result["off"][1] / result[name][1])
            print(f"  GetChannel c=32 round {round_}: " + ", ".join(f"{n} {r[0]:.0f} rps {r[1]:.1f} us/req" for n, r in result.items()))
        for name in ratios:
            print(f"GetChannel {name}/off, median of {args.rounds}: throughput {statistics.median(ratios[name]):.3f}, "
                  f"requests per CPU second {statistics.median(cpu_ratios[name]):.3f}")
        # Tracing alone: each traced server against its peer without tracing ("metrics": same metrics and logs).
        for name in ("unsampled", "sampled", "all"):
            peer = [m / t for m, t in zip(cpu_ratios["metrics"], cpu_ratios[name])]
            print(f"GetChannel CPU per request {name}/metrics (tracing alone), median of {args.rounds}: {statistics.median(peer):.3f}")
        if args.skip_ingest:
            return

        clip = os.path.join(work, "clip.flv")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                        "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-c:v", "libx264", "-preset", "veryfast",
                        "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
                        "-c:a", "aac", "-b:a", "128k", "-t", "30", "-f", "flv", clip], check=True)
        for name, (_, ports, client) in servers.items():
            for i in range(args.streams):
                key = client.create_channel(name=f"ingest-{i}", insecureIngest=True)["streamKey"]["value"]
                publishers.append(subprocess.Popen(
                    ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "flv",
                     f"rtmp://127.0.0.1:{ports['rtmp']}/app/{key}"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(args.warmup)
        pids = {name: process.pid for name, (process, _, _) in servers.items()}
        before, t0 = {n: cpu_seconds([p]) for n, p in pids.items()}, time.monotonic()
        time.sleep(args.measure)
        after, t1 = {n: cpu_seconds([p]) for n, p in pids.items()}, time.monotonic()
        live = {name: len(client.list_streams(maxResults=100).get("streams", [])) for name, (_, _, client) in servers.items()}
        per_stream = {n: (after[n] - before[n]) / (t1 - t0) * 100 / max(1, live[n]) for n in pids}
        print(f"  ingest {args.streams} streams each: " + ", ".join(f"{n} {per_stream[n]:.3f} %CPU/stream ({live[n]} live)" for n in servers))
        for name in ratios:
            print(f"Ingest CPU per stream {name}/off: {per_stream[name] / max(per_stream['off'], 1e-9):.3f}")
        print(f"OTLP bytes received: {OtlpSink.received}")
    finally:
        stop.set()
        for p in publishers:
            p.terminate()
        for process, _, _ in servers.values():
            process.terminate()
            process.wait()
        sink.shutdown()


if __name__ == "__main__":
    main()
